// Isolated `.pt` / pickle-folder import: the importer helper (promptdesk-import, installed beside the apps) in a
// child process with limits (promptdesk/checkpoint_import.h).
#include "promptdesk/checkpoint_import.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "io/checkpoint.h"
#include "io/hf_folder.h"
#include "io/json_limits.h"
#include "io/sha256.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/paths.h"

#if defined(__SANITIZE_ADDRESS__)
#define PD_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PD_UNDER_ASAN 1
#endif
#endif

namespace fs = std::filesystem;

namespace pd {
namespace {

constexpr std::size_t kKeepStderr = 64 * 1024;  // the tail of the child's messages we keep

std::string signalName(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV, invalid memory access";
    case SIGABRT:
      return "SIGABRT, aborted";
    case SIGBUS:
      return "SIGBUS, bus error";
    case SIGFPE:
      return "SIGFPE, arithmetic error";
    case SIGILL:
      return "SIGILL, illegal instruction";
    case SIGKILL:
      return "SIGKILL";
    default: {
      const char* s = strsignal(sig);
      return s ? s : "signal " + std::to_string(sig);
    }
  }
}

// The child's last error line, without the "promptdesk-cli: error: <file>: " prefix.
std::string lastErrorLine(const std::string& err, const std::string& in) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < err.size()) {
    std::size_t nl = err.find('\n', start);
    if (nl == std::string::npos) nl = err.size();
    std::string line = err.substr(start, nl - start);
    if (!line.empty() && line.find_first_not_of(" \t\r") != std::string::npos)
      lines.push_back(line);
    start = nl + 1;
  }
  std::string best;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (it->find("error") != std::string::npos) {
      best = *it;
      break;
    }
  if (best.empty() && !lines.empty()) best = lines.back();
  for (const std::string& prefix : {std::string("promptdesk-cli: error: "),
                                    std::string("promptdesk-import: error: "), in + ": "})
    if (best.rfind(prefix, 0) == 0) best = best.substr(prefix.size());
  // The child may quote bytes of the file (e.g. torch's "Couldn't parse the version <bytes>"):
  // control and non-ASCII bytes become '?', runs of them one '?', so the message stays readable.
  std::string clean;
  for (unsigned char c : best) {
    const bool printable = c >= 0x20 && c < 0x7f;
    if (printable)
      clean += static_cast<char>(c);
    else if (clean.empty() || clean.back() != '?')
      clean += '?';
  }
  if (clean.size() > 400) clean = clean.substr(0, 400) + "...";
  return clean;
}

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }
std::string gib(std::uint64_t bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", static_cast<double>(bytes) / double(1ull << 30));
  return b;
}
std::string seconds(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", s);
  return b;
}

}  // namespace

bool needsIsolatedImport(const std::string& path) {
  std::error_code ec;
  if (io::hfFolderHasOnlyPickles(path)) return true;
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char m[4] = {};
  if (!in.read(m, 4)) return false;
  return m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

std::string invalidCheckpointPrefix(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? "this folder is not a valid checkpoint: "
                                    : "this file is not a valid CLIP checkpoint: ";
}

std::string findImporterExecutable() {
  for (const char* var : {"PROMPTDESK_IMPORTER", "PROMPTDESK_CLI"})
    if (const char* env = std::getenv(var); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = self.parent_path() / "promptdesk-import";
    if (fs::is_regular_file(beside, ec)) return beside.string();
  }
  return "promptdesk-import";  // execvp searches PATH
}

ImportedCheckpoint importCheckpointIsolated(const std::string& in, const std::string& out,
                                            const IsolatedImportOptions& options) {
  std::error_code ec;
  if (!fs::exists(in, ec)) throw Error("no such file", in);
  const bool folder = fs::is_directory(in, ec);
  if (folder && !io::hfFolderHasOnlyPickles(in))
    throw Error("is a folder without pickled weights (pytorch_model.bin): it needs no isolated "
                "import",
                in);
  const std::string cli = options.cliPath.empty() ? findImporterExecutable() : options.cliPath;

  // Everything the child needs is prepared before fork(): after it only async-signal-safe calls.
  std::vector<std::string> args = {cli, "import-checkpoint", in, "--out", out};
  if (folder) args.push_back("--allow-pickle");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::uint64_t memLimit = options.memoryLimitBytes;
#ifdef PD_UNDER_ASAN
  memLimit = 0;
#endif

  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) != 0)
    throw Error(std::string("cannot create a pipe: ") + std::strerror(errno), in);
  // Exec failure is reported through a second close-on-exec pipe (errno as 4 bytes).
  int execPipe[2];
  if (pipe2(execPipe, O_CLOEXEC) != 0) {
    close(errPipe[0]);
    close(errPipe[1]);
    throw Error(std::string("cannot create a pipe: ") + std::strerror(errno), in);
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    for (int fd : {errPipe[0], errPipe[1], execPipe[0], execPipe[1]}) close(fd);
    throw Error(std::string("cannot start the import process: ") + std::strerror(e), in);
  }
  if (pid == 0) {
    // Child. Own process group, so a kill reaches anything it starts.
    setpgid(0, 0);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
    }
    dup2(errPipe[1], STDERR_FILENO);
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
    if (memLimit > 0) {
      struct rlimit as = {static_cast<rlim_t>(memLimit), static_cast<rlim_t>(memLimit)};
      setrlimit(RLIMIT_AS, &as);
    }
    execvp(argv[0], argv.data());
    const int e = errno;
    ssize_t ignored = write(execPipe[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  close(errPipe[1]);
  close(execPipe[1]);

  std::string err;
  bool timedOut = false, cancelled = false;
  const auto start = std::chrono::steady_clock::now();
  char buf[4096];
  bool open = true;
  while (open) {
    struct pollfd p = {errPipe[0], POLLIN, 0};
    const int r = poll(&p, 1, 100);
    if (r > 0) {
      const ssize_t n = read(errPipe[0], buf, sizeof buf);
      if (n > 0) {
        err.append(buf, static_cast<std::size_t>(n));
        if (err.size() > 2 * kKeepStderr) err.erase(0, err.size() - kKeepStderr);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        open = false;  // EOF: the child (and anything holding its stderr) is gone
      }
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.timeLimitSeconds > 0 && elapsed > options.timeLimitSeconds) timedOut = true;
    if (options.cancelled && options.cancelled()) cancelled = true;
    if (timedOut || cancelled) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      break;
    }
  }
  close(errPipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int execErrno = 0;
  const bool execFailed = read(execPipe[0], &execErrno, sizeof execErrno) == sizeof execErrno;
  close(execPipe[0]);

  if (execFailed)
    throw Error("cannot run the checkpoint importer '" + cli + "': " + std::strerror(execErrno) +
                    " (set PROMPTDESK_IMPORTER, or PROMPTDESK_CLI, to the promptdesk-import or "
                    "promptdesk-cli executable)",
                in);
  if (cancelled) {
    fs::remove(out, ec);
    throw Error("import cancelled", in);
  }
  std::string reason;
  if (timedOut) {
    reason = "reading it took longer than the " + seconds(options.timeLimitSeconds) +
             " s allowed and was stopped";
  } else if (WIFSIGNALED(status)) {
    reason = "the importer crashed on it (" + signalName(WTERMSIG(status)) + ")";
    if (WTERMSIG(status) == SIGKILL && memLimit > 0)
      reason = "the importer was killed (" + signalName(SIGKILL) + "; memory limit " +
               mib(memLimit) + "?)";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    std::string line = lastErrorLine(err, in);
    if (memLimit > 0 && (line.find("bad_alloc") != std::string::npos ||
                         line.find("Cannot allocate memory") != std::string::npos ||
                         line.find("failed to map segment") != std::string::npos ||
                         line.find("DefaultCPUAllocator") != std::string::npos))
      reason = "reading it needs more memory than the " + gib(memLimit) + " GiB allowed (" +
               mib(memLimit) + " memory limit: " + line + ")";
    else
      reason = line.empty()
                   ? "the importer failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")"
                   : line;
  } else if (!fs::is_regular_file(out, ec)) {
    reason = "the importer reported success but wrote no output";
  }
  if (!reason.empty()) {
    throw Error(invalidCheckpointPrefix(in) + reason, in);
  }
  ImportedCheckpoint r;
  r.sourcePath = in;
  r.safetensorsPath = out;
  r.modelPath = out;
  return r;
}

namespace {

// Copied beside the converted weights of a text model: its config and tokenizer (small text files).
const char* const kFolderFiles[] = {"config.json",          "tokenizer.json",
                                    "tokenizer_config.json", "special_tokens_map.json",
                                    "added_tokens.json",    "vocab.json",
                                    "vocab.txt",            "merges.txt",
                                    "generation_config.json"};

bool isClipFolder(const std::string& folder) {
  const std::string cfg = (fs::path(folder) / "config.json").string();
  return io::isHfClipConfig(io::parseJsonLimited(io::readJsonFileText(cfg), cfg));
}

}  // namespace

ImportedCheckpoint importModelFolderIsolated(const std::string& folder, const std::string& outBase,
                                             const IsolatedImportOptions& options) {
  if (!io::hfFolderHasOnlyPickles(folder))
    throw Error("not a Hugging Face folder with pickled weights (config.json and "
                "pytorch_model.bin or pytorch_model.bin.index.json, no model.safetensors)",
                folder);
  std::error_code ec;
  if (isClipFolder(folder)) {
    const std::string out = outBase + ".safetensors";
    if (fs::exists(out, ec)) throw Error("already exists", out);
    return importCheckpointIsolated(folder, out, options);
  }
  const fs::path dest(outBase);
  if (fs::exists(dest, ec)) throw Error("already exists", dest.string());
  // Built under a temporary name beside it, then renamed: a failure leaves nothing at outBase.
  const fs::path tmp = dest.string() + ".partial-" + std::to_string(getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw Error("cannot create the folder: " + ec.message(), tmp.string());
  try {
    ImportedCheckpoint r =
        importCheckpointIsolated(folder, (tmp / "model.safetensors").string(), options);
    for (const char* name : kFolderFiles) {
      const fs::path src = fs::path(folder) / name;
      if (!fs::is_regular_file(src, ec)) continue;
      fs::copy_file(src, tmp / name, fs::copy_options::overwrite_existing, ec);
      if (ec) throw Error("cannot copy " + std::string(name) + ": " + ec.message(), src.string());
    }
    fs::rename(tmp, dest, ec);
    if (ec) throw Error("cannot create the folder: " + ec.message(), dest.string());
    r.safetensorsPath = (dest / "model.safetensors").string();
    r.modelPath = dest.string();
    return r;
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

ImportedCheckpoint importCheckpointCached(const std::string& in,
                                          const IsolatedImportOptions& options) {
  std::error_code ec;
  const bool folder = io::hfFolderHasOnlyPickles(in);
  if (!folder && !fs::is_regular_file(in, ec)) throw Error("no such file", in);
  const std::string hash = folder ? sha256Path(in) : io::sha256File(in);
  const fs::path dir = fs::path(dataPath("imported"));
  fs::create_directories(dir, ec);
  if (ec)
    throw Error("cannot create the folder for imported checkpoints: " + ec.message(), dir.string());
  ImportedCheckpoint r;
  const fs::path file = dir / (hash + ".safetensors");
  const fs::path sub = dir / hash;
  if (fs::is_regular_file(file, ec)) {
    r.sourcePath = in;
    r.safetensorsPath = r.modelPath = file.string();
    r.reused = true;
  } else if (folder && fs::is_regular_file(sub / "model.safetensors", ec)) {
    r.sourcePath = in;
    r.safetensorsPath = (sub / "model.safetensors").string();
    r.modelPath = sub.string();
    r.reused = true;
  } else if (folder) {
    try {
      r = importModelFolderIsolated(in, sub.string(), options);
    } catch (const Error&) {
      // Another process may have finished the same conversion first.
      if (!fs::is_regular_file(sub / "model.safetensors", ec)) throw;
      r.sourcePath = in;
      r.safetensorsPath = (sub / "model.safetensors").string();
      r.modelPath = sub.string();
      r.reused = true;
    }
  } else {
    r = importCheckpointIsolated(in, file.string(), options);
  }
  r.sourceSha256 = hash;
  return r;
}

}  // namespace pd
