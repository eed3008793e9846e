#pragma once
#include <stdexcept>
#include <string>

namespace pd {

// The one exception type the core's public API throws. `what()` is a user-readable message that
// names the file, line, field or key at fault; `context()` repeats the location alone.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string context = {})
      : std::runtime_error(context.empty() ? message : context + ": " + message),
        context_(std::move(context)) {}
  const std::string& context() const { return context_; }

 private:
  std::string context_;
};

}  // namespace pd
