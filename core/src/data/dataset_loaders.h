#pragma once
// Internal: the loaders behind openDataset() and file helpers they share.
#include <memory>
#include <string>

#include "promptdesk/dataset.h"

namespace pd::data {

std::unique_ptr<Dataset> openFolderDataset(const std::string& path, const DatasetOptions& opt);
std::unique_ptr<Dataset> openCoopSplit(const std::string& path, const DatasetOptions& opt);
std::unique_ptr<Dataset> openIdxDataset(const std::string& path, const DatasetOptions& opt);
// kind: csv, tsv or jsonl; path: one file (split "train") or a folder of split files.
std::unique_ptr<Dataset> openTextDataset(const std::string& kind, const std::string& path,
                                         const DatasetOptions& opt);

// Whole file as bytes; throws pd::Error naming the file.
std::string readWholeFile(const std::string& path);
// Decodes a PNG/JPEG/BMP/... file to 8-bit gray or RGB; throws pd::Error naming the file.
Image loadImageFileStb(const std::string& path);
// Reads only the header; false with a reason when the file is not a readable image.
bool probeImageFile(const std::string& path, std::string* why);
bool hasImageExtension(const std::string& filename);
// "<key> <name with spaces>" per line (blank lines and '#' comments skipped); pd::Error on a
// line without a name (file:line).
std::vector<std::pair<std::string, std::string>> readClassNamesFile(const std::string& path);
// True when s is well-formed UTF-8; otherwise *badOffset is the first bad byte.
bool isValidUtf8(const std::string& s, std::size_t* badOffset = nullptr);

}  // namespace pd::data
