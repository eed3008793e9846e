#pragma once
// Isolated import of OpenAI TorchScript `.pt` checkpoints and of Hugging Face folders whose weights
// are pickles (`pytorch_model.bin`, or its sharded `pytorch_model.bin.index.json`), torch-free
// public API.
//
// torch::jit::load runs TorchScript's deserializer, and torch::pickle_load the same unpickler;
// neither was written for hostile input: a crafted `.pt` or `.bin` can crash it, hang it or make
// it allocate without bound. So neither the GUI nor the CLI (unless `--in-process` is given for a
// .pt) loads one in its own process; io::readCheckpoint refuses a pickle-only folder. Instead:
//
//   promptdesk-import import-checkpoint IN.pt --out OUT.safetensors (the helper beside the apps)
//   promptdesk-import import-checkpoint FOLDER --out OUT.safetensors --allow-pickle
//
// runs as a child process with an address-space limit (RLIMIT_AS), no core dump and a wall-time
// limit (SIGKILL when exceeded); the caller then loads only OUT.safetensors, whose reader checks
// every stated size against the file. A crash, a limit or a non-zero exit of the child becomes
//
//   pd::Error("this file is not a valid CLIP checkpoint: <reason>", IN.pt)
//   pd::Error("this folder is not a valid checkpoint: <reason>", FOLDER)
//
// and nothing else happens: the caller's state (e.g. the open project) is untouched, because the
// caller records the model only after the import returned.
//
// A text model's folder becomes a folder (model.safetensors with the names unchanged, plus copies
// of config.json and the tokenizer files), so that the model and its tokenizer load from one place.
//
// GUI (model manager), on "Add model..." with a .pt file or a pickle folder:
//   if (pd::needsIsolatedImport(path)) {
//     // in a worker thread: it can take seconds (SHA-256 of the input + the conversion)
//     pd::ImportedCheckpoint imp = pd::importCheckpointCached(path);   // throws pd::Error
//     path = imp.modelPath;        // then inspect/load/record this, never the .pt / .bin
//   }
// (pd::addModelFile in promptdesk/project_files.h does this for the model manager.)
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
  std::string sourcePath;       // the .pt or folder given
  std::string safetensorsPath;  // the converted file (float32 + metadata)
  // What to load: safetensorsPath, or for a text model's folder the folder holding it (with
  // config.json and the tokenizer files).
  std::string modelPath;
  std::string sourceSha256;     // SHA-256 of the .pt / pd::sha256Path of the folder (Cached only)
  bool reused = false;          // importCheckpointCached found an earlier conversion
};

// True when `path` is a regular file starting with the zip magic "PK\3\4" (a TorchScript archive or
// something pretending to be one), or a Hugging Face folder (config.json) whose weights are only
// pytorch_model.bin / pytorch_model.bin.index.json: these must go through the isolated import.
bool needsIsolatedImport(const std::string& path);

// The start of the error for an input that failed the import or inspection:
// "this folder is not a valid checkpoint: " for a folder, else
// "this file is not a valid CLIP checkpoint: ".
std::string invalidCheckpointPrefix(const std::string& path);

// Runs the child import of `in` (a file, or a pickle folder: needsIsolatedImport) to `out` (one
// .safetensors, written atomically by the child; for a folder its tensor names are kept and its
// config.json goes into the metadata). Throws pd::Error "<invalidCheckpointPrefix(in)><reason>"
// (context: `in`) when the child fails, crashes, exceeds a limit or leaves no output; pd::Error
// naming the CLI when it cannot be started.
ImportedCheckpoint importCheckpointIsolated(const std::string& in, const std::string& out,
                                            const IsolatedImportOptions& options = {});

// A pickle folder (needsIsolatedImport) converted by importCheckpointIsolated: a CLIP folder into
// `outBase`.safetensors (OpenAI layout, as a .pt); any other family into the new folder `outBase`
// holding model.safetensors and copies of the folder's config.json and tokenizer files
// (tokenizer.json, tokenizer_config.json, special_tokens_map.json, added_tokens.json, vocab.json,
// vocab.txt, merges.txt, generation_config.json). `outBase` must not exist yet; on failure nothing
// is left there. modelPath is the file or the folder.
ImportedCheckpoint importModelFolderIsolated(const std::string& folder, const std::string& outBase,
                                             const IsolatedImportOptions& options = {});

// The isolated import into dataPath("imported/<hash>.safetensors") (a .pt: SHA-256 of its bytes)
// or dataPath("imported/<hash>") (a pickle folder: pd::sha256Path of the folder, see
// importModelFolderIsolated), reusing an earlier conversion of the same input.
ImportedCheckpoint importCheckpointCached(const std::string& in,
                                          const IsolatedImportOptions& options = {});

// The importer importCheckpointIsolated runs when options.cliPath is empty.
std::string findImporterExecutable();

}  // namespace pd
