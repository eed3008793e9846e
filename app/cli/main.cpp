// promptdesk-cli: the headless front end. Same core, same job specs as the GUI.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <utility>
#include <vector>

#include "command_registry.h"
#include "promptdesk/checkpoint_import.h"
#include "promptdesk/error.h"
#include "promptdesk/threading_env.h"
#include "promptdesk/version.h"

namespace pd::cli {

namespace {
std::vector<std::pair<std::string, Setup>>& registry() {
  static std::vector<std::pair<std::string, Setup>> r;
  return r;
}
}  // namespace

void registerCommand(const std::string& order, Setup setup) {
  registry().emplace_back(order, std::move(setup));
}

CLI::App& group(CLI::App& root, const std::string& name, const std::string& description) {
  for (CLI::App* sub : root.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == name) return *sub;
  CLI::App* sub = root.add_subcommand(name, description);
  sub->require_subcommand(1);
  return *sub;
}

// `--model X.pt` / `-m X.pt` (any command): a TorchScript archive, or a Hugging Face folder whose
// weights are pytorch_model.bin, is converted by promptdesk-import in a child process with limits
// (promptdesk/checkpoint_import.h) and the option is pointed at the result (a safetensors file, or
// for a text model a folder with it, config.json and the tokenizer files), so neither
// torch::jit::load nor the unpickler runs on an untrusted file in this process. `--in-process`
// (anywhere; removed here) keeps the path as given (a pickle folder is then refused: pickles are
// never read in this process).
static std::vector<std::string> isolateTorchScriptModels(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  auto inProcess = std::find(args.begin(), args.end(), "--in-process");
  if (inProcess != args.end()) {
    args.erase(inProcess);
    return args;
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string* value = nullptr;
    std::string prefix;
    if ((args[i] == "--model" || args[i] == "-m") && i + 1 < args.size()) {
      value = &args[i + 1];
    } else if (args[i].rfind("--model=", 0) == 0) {
      value = &args[i];
      prefix = "--model=";
    }
    if (!value) continue;
    const std::string path = value->substr(prefix.size());
    if (!pd::needsIsolatedImport(path)) continue;
    std::error_code ec;
    std::cerr << "importing " << path << " in a separate process"
              << (std::filesystem::is_directory(path, ec) ? "" : " (--in-process: load it here)")
              << " ...\n";
    *value = prefix + pd::importCheckpointCached(path).modelPath;
  }
  return args;
}

}  // namespace pd::cli

int main(int argc, char** argv) {
  pd::reexecWithPassiveOmpWait(argv);
  CLI::App app{"promptdesk-cli " + pd::version() +
               ": headless PromptDesk (prompt learning on frozen pretrained models)"};
  app.set_version_flag(
      "--version", "promptdesk-cli " + pd::version() + " (LibTorch " + pd::torchVersion() + ")\n");
  app.fallthrough(false);
  // Handled (and removed) before parsing by isolateTorchScriptModels; declared for --help.
  app.add_flag("--in-process",
               "load a .pt given with --model/-m in this process instead of converting it in a "
               "child process with memory and time limits (a folder with pytorch_model.bin is "
               "always converted in a child process)");

  app.footer(
      "Environment:\n"
      "  PROMPTDESK_DATA              data folder (vocabularies, models, imports); default\n"
      "                               ~/.local/share/promptdesk\n"
      "  PROMPTDESK_MAX_IMAGE_PIXELS  images whose header claims more pixels are refused before\n"
      "                               decoding (default 100000000)\n"
      "  PROMPTDESK_IMPORTER          the helper that runs isolated .pt / .bin imports (default: the\n"
      "                               promptdesk-import beside this program; PROMPTDESK_CLI too)");
  pd::cli::Outcome outcome;
  auto& reg = pd::cli::registry();
  std::stable_sort(reg.begin(), reg.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& entry : reg) entry.second(app, outcome);

  try {
    std::vector<std::string> args = pd::cli::isolateTorchScriptModels(argc, argv);
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    app.parse(static_cast<int>(ptrs.size()), ptrs.data());
  } catch (const CLI::Success& s) {
    return app.exit(s);
  } catch (const CLI::ParseError& e) {
    std::cerr << "promptdesk-cli: error: " << e.what() << "\n"
              << "Run 'promptdesk-cli --help' for the list of commands and options.\n";
    return 2;
  } catch (const pd::Error& e) {
    std::cerr << "promptdesk-cli: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "promptdesk-cli: error: " << e.what() << "\n";
    return 1;
  }
  if (app.get_subcommands().empty()) {  // no command given: show what the CLI can do
    std::cout << app.help();
    return 2;
  }
  return outcome.code;
}
