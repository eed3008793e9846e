// promptdesk-cli: the headless front end. Same core, same job specs as the GUI.
#include <algorithm>
#include <iostream>
#include <utility>
#include <vector>

#include "command_registry.h"
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

}  // namespace pd::cli

int main(int argc, char** argv) {
  pd::reexecWithPassiveOmpWait(argv);
  CLI::App app{"promptdesk-cli " + pd::version() +
               ": headless PromptDesk (prompt learning on frozen pretrained models)"};
  app.set_version_flag(
      "--version", "promptdesk-cli " + pd::version() + " (LibTorch " + pd::torchVersion() + ")\n");
  app.fallthrough(false);

  pd::cli::Outcome outcome;
  auto& reg = pd::cli::registry();
  std::stable_sort(reg.begin(), reg.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& entry : reg) entry.second(app, outcome);

  try {
    app.parse(argc, argv);
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
