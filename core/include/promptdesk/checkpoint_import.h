#pragma once
// Isolated import of OpenAI TorchScript `.pt` checkpoints (torch-free public API).
//
// torch::jit::load runs TorchScript's deserializer, which was not written for hostile input: a
// crafted `.pt` can crash it, hang it or make it allocate without bound. So neither the GUI nor the
// CLI (unless `--in-process` is given) loads a `.pt` in its own process. Instead:
//
//   promptdesk-import import-checkpoint IN.pt --out OUT.safetensors (the helper beside the apps)
//
// runs as a child process with an address-space limit (RLIMIT_AS), no core dump and a wall-time
// limit (SIGKILL when exceeded); the caller then loads only OUT.safetensors, whose reader checks
// every stated size against the file. A crash, a limit or a non-zero exit of the child becomes
//
//   pd::Error("this file is not a valid CLIP checkpoint: <reason>", IN.pt)
//
// and nothing else happens: the caller's state (e.g. the open project) is untouched, because the
// caller records the model only after the import returned.
//
// GUI (model manager), on "Add model..." with a .pt file:
//   if (pd::needsIsolatedImport(path)) {
//     // in a worker thread: it can take seconds (SHA-256 of the file + the conversion)
//     pd::ImportedCheckpoint imp = pd::importCheckpointCached(path);   // throws pd::Error
//     path = imp.safetensorsPath;          // then inspect/load/record this file, never the .pt
//   }
// The error's what() is ready to show ("<file>: this file is not a valid CLIP checkpoint: ...").
// Thread-safe: each call spawns its own child; no global state besides the environment lookup.
#include <cstdint>
#include <functional>
#include <string>

namespace pd {

struct IsolatedImportOptions {
  // The importer to run as `<importer> import-checkpoint IN --out OUT` (promptdesk-import or
  // promptdesk-cli). Empty: $PROMPTDESK_IMPORTER, else $PROMPTDESK_CLI, else `promptdesk-import` in
  // the folder of the running executable, else on PATH (see findImporterExecutable()).
  std::string cliPath;
  // Address-space limit of the child (RLIMIT_AS). 0: no limit. Builds with AddressSanitizer skip it
  // (ASan reserves terabytes of address space up front).
  std::uint64_t memoryLimitBytes = 8ull << 30;
  // Wall-clock limit; the child is killed (SIGKILL) when it is exceeded. <= 0: no limit.
  double timeLimitSeconds = 600;
  // Polled about every 100 ms; returning true kills the child and throws pd::Error("cancelled").
  std::function<bool()> cancelled;
};

struct ImportedCheckpoint {
  std::string sourcePath;       // the .pt given
  std::string safetensorsPath;  // the converted file (OpenAI layout, float32 + metadata)
  std::string sourceSha256;     // SHA-256 of the .pt (importCheckpointCached only)
  bool reused = false;          // importCheckpointCached found an earlier conversion
};

// True when `path` is a regular file starting with the zip magic "PK\3\4" (a TorchScript archive or
// something pretending to be one): such files must go through the isolated import.
bool needsIsolatedImport(const std::string& path);

// Runs the child import of `in` to `out` (written atomically by the child). Throws pd::Error
// "this file is not a valid CLIP checkpoint: <reason>" (context: `in`) when the child fails,
// crashes, exceeds a limit or leaves no output; pd::Error naming the CLI when it cannot be started.
ImportedCheckpoint importCheckpointIsolated(const std::string& in, const std::string& out,
                                            const IsolatedImportOptions& options = {});

// importCheckpointIsolated into dataPath("imported/<sha256 of IN>.safetensors"), reusing that file
// when it already exists (same input bytes -> same output; the name is the input's hash).
ImportedCheckpoint importCheckpointCached(const std::string& in,
                                          const IsolatedImportOptions& options = {});

// The importer importCheckpointIsolated runs when options.cliPath is empty.
std::string findImporterExecutable();

}  // namespace pd
