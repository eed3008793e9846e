// promptdesk-import: the small helper that converts one checkpoint to safetensors in a child
// process of its own (pd::importCheckpointIsolated runs it under memory and time limits, so that
// unpickling a .pt or a pytorch_model.bin never happens in the app's process). Installed beside
// promptdesk and promptdesk-cli. Being that child, it reads Hugging Face folders whose weights are
// pickles (pytorch_model.bin[.index.json]); --allow-pickle, which the caller passes for them, is
// accepted for the command line's sake.
//   promptdesk-import [import-checkpoint] IN --out OUT.safetensors [--allow-pickle]
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "promptdesk/checkpoint.h"
#include "promptdesk/error.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "import-checkpoint") args.erase(args.begin());
  std::string in, out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--out" || args[i] == "-o") && i + 1 < args.size())
      out = args[++i];
    else if (args[i] == "--allow-pickle")
      continue;
    else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << "usage: promptdesk-import [import-checkpoint] IN --out OUT.safetensors "
                   "[--allow-pickle]\n";
      return 0;
    } else if (in.empty() && args[i].rfind("-", 0) != 0)
      in = args[i];
    else {
      std::cerr << "promptdesk-import: error: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (in.empty() || out.empty()) {
    std::cerr << "promptdesk-import: error: usage: promptdesk-import IN --out OUT.safetensors\n";
    return 2;
  }
  try {
    std::cerr << "reading " << in << " ...\n";
    pd::CheckpointSummary s = pd::convertCheckpointToSafetensors(in, out, /*allowPickles=*/true);
    std::cout << "wrote " << out << ": " << s.tensorCount << " tensors, from " << s.format
              << " (sha256 " << s.contentHash << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "promptdesk-import: error: " << e.what() << "\n";
    return 1;
  }
}
