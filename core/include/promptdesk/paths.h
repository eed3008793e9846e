#pragma once
#include <string>

namespace pd {
// The data folder: $PROMPTDESK_DATA, else ~/.local/share/promptdesk (created by the installer).
std::string dataDir();
// A file inside the data folder, e.g. dataPath("vocab/bpe_simple_vocab_16e6.txt").
std::string dataPath(const std::string& relative);
}  // namespace pd
