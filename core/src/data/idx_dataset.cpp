// IDX datasets (MNIST, Fashion-MNIST): <prefix>-images-idx3-ubyte[.gz] +
// <prefix>-labels-idx1-ubyte[.gz] per split (train, t10k -> test). Every header is checked against
// the real (decompressed) size before memory is committed: data is read in chunks up to what the
// dimensions claim, never past DatasetOptions::maxDecompressedBytes, and a gzip stream that
// inflates past 8 MiB at more than DatasetOptions::maxCompressionRatio is refused (bomb guard).
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "data/dataset_loaders.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd::data {
namespace {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

struct GzFile {
  gzFile f = nullptr;
  explicit GzFile(const std::string& path) : f(gzopen(path.c_str(), "rb")) {}
  ~GzFile() {
    if (f) gzclose(f);
  }
  // Reads up to n bytes; returns the count; throws on a zlib error.
  std::size_t read(void* buf, std::size_t n, const std::string& path) {
    std::size_t got = 0;
    auto* p = static_cast<char*>(buf);
    while (got < n) {
      unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
      int r = gzread(f, p + got, chunk);
      if (r < 0) {
        int err = 0;
        const char* msg = gzerror(f, &err);
        throw Error(std::string("corrupt compressed data (") + (msg ? msg : "zlib error") + ")",
                    path);
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }
};

IdxArray readIdx(const std::string& path, int wantDims, std::uint64_t maxBytes, double maxRatio) {
  GzFile in(path);
  if (!in.f) throw Error("cannot open file", path);
  std::error_code ec;
  const std::uint64_t fileBytes = fs::file_size(path, ec);
  const bool compressed = gzdirect(in.f) == 0;
  unsigned char magic[4];
  if (in.read(magic, 4, path) != 4) throw Error("file too short for an IDX header", path);
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] != wantDims)
    throw Error("bad IDX magic (expected 00 00 08 0" + std::to_string(wantDims) +
                    ": unsigned bytes, " + std::to_string(wantDims) + " dimension(s))",
                path);
  IdxArray a;
  std::uint64_t expected = 1;
  for (int d = 0; d < wantDims; ++d) {
    unsigned char b[4];
    if (in.read(b, 4, path) != 4) throw Error("truncated IDX header", path);
    std::uint32_t v = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                      (std::uint32_t(b[2]) << 8) | b[3];
    if (d > 0 && (v == 0 || v > 65536))
      throw Error("dimension " + std::to_string(d) + " = " + std::to_string(v) + " not plausible",
                  path);
    a.dims.push_back(v);
    expected *= v;  // at most 2^32 * 2^16 * 2^16: fits in 64 bits
  }
  if (expected > maxBytes)
    throw Error("header claims " + std::to_string(expected) + " bytes of data, over the limit of " +
                    std::to_string(maxBytes),
                path);
  // Grow with the data actually present, never beyond what the header claims. Capacity is
  // reserved (address space only) up to what the file can plausibly hold, so real files are read
  // without reallocations; past that the buffer grows as data arrives, under the ratio guard.
  const std::size_t chunk = 1u << 20;
  constexpr std::uint64_t kRatioFloor = 8ull << 20;
  if (!ec) {
    const double plausible =
        compressed ? std::max(double(kRatioFloor), maxRatio * double(fileBytes)) + double(chunk)
                   : double(fileBytes);
    a.data.reserve(static_cast<std::size_t>(std::min(double(expected), plausible)));
  }
  while (a.data.size() < expected) {
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk, expected - a.data.size()));
    std::size_t old = a.data.size();
    a.data.resize(old + want);
    std::size_t got = in.read(a.data.data() + old, want, path);
    a.data.resize(old + got);
    if (compressed && !ec && maxRatio > 0 && a.data.size() > kRatioFloor &&
        static_cast<double>(a.data.size()) > maxRatio * static_cast<double>(fileBytes))
      throw Error("the compressed stream inflates to more than " +
                      std::to_string(static_cast<long long>(maxRatio)) + "x its " +
                      std::to_string(fileBytes) + " bytes (" + std::to_string(a.data.size()) +
                      " bytes read so far): refused as a likely gzip bomb "
                      "(DatasetOptions::maxCompressionRatio)",
                  path);
    if (got < want)
      throw Error("truncated: the header says " + std::to_string(expected) +
                      " data bytes, the file has " + std::to_string(a.data.size()),
                  path);
  }
  unsigned char extra;
  if (in.read(&extra, 1, path) != 0)
    throw Error(
        "more data than the header's dimensions say (" + std::to_string(expected) + " bytes)",
        path);
  return a;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::vector<std::string> kFashion = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                           "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};

class IdxDataset : public Dataset {
 public:
  struct Store {
    std::uint32_t rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels;
  };

  void load(const std::string& path, const DatasetOptions& opt) {
    kind_ = "idx";
    root_ = path;
    fs::path dir = path;
    std::error_code ec;
    std::vector<fs::path> imageFiles;
    if (fs::is_regular_file(dir, ec)) {
      imageFiles.push_back(dir);
      dir = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    } else {
      for (auto& e : fs::directory_iterator(dir, ec)) {
        std::string f = e.path().filename().string();
        if (f.find("-images-idx3-ubyte") != std::string::npos ||
            f.find("-images.idx3-ubyte") != std::string::npos)
          imageFiles.push_back(e.path());
      }
      std::sort(imageFiles.begin(), imageFiles.end());
    }
    if (imageFiles.empty()) throw Error("no *-images-idx3-ubyte[.gz] files", path);

    // Recognise the dataset and its class names.
    const std::string dirName = lower(fs::absolute(dir).lexically_normal().filename().string());
    std::vector<std::string> names;
    std::string namesFile = opt.classNamesFile;
    if (namesFile.empty() && fs::is_regular_file(dir / "classnames.txt", ec))
      namesFile = (dir / "classnames.txt").string();
    if (!namesFile.empty()) {
      name_ = dir.filename().string();
      std::map<int, std::string> byLabel;
      for (auto& [k, v] : readClassNamesFile(namesFile)) {
        char* end = nullptr;
        long l = std::strtol(k.c_str(), &end, 10);
        if (*end || l < 0 || l > 255)
          throw Error("expected a label 0..255, got '" + k + "'", namesFile);
        byLabel[static_cast<int>(l)] = v;
      }
      int n = byLabel.empty() ? 0 : byLabel.rbegin()->first + 1;
      for (int l = 0; l < n; ++l)
        names.push_back(byLabel.count(l) ? byLabel[l] : "class " + std::to_string(l));
    } else if (dirName.find("fashion") != std::string::npos) {
      name_ = "Fashion-MNIST";
      names = kFashion;
    } else if (dirName.find("mnist") != std::string::npos) {
      name_ = "MNIST";
      for (int d = 0; d < 10; ++d) names.push_back(std::to_string(d));
    } else {
      name_ = dir.filename().string();
    }

    int maxLabel = -1;
    for (auto& img : imageFiles) {
      std::string f = img.filename().string();
      std::string prefix = f.substr(0, f.find("-images"));
      std::string split = prefix == "t10k" ? "test" : prefix;
      std::string labelsName = f;
      labelsName.replace(labelsName.find("-images"), 7, "-labels");
      labelsName.replace(labelsName.find("idx3"), 4, "idx1");
      fs::path labelsFile = img.parent_path() / labelsName;
      if (!fs::is_regular_file(labelsFile, ec)) {
        // Accept the other compression state (images .gz, labels raw or the reverse).
        fs::path alt = labelsFile;
        if (alt.extension() == ".gz")
          alt.replace_extension();
        else
          alt += ".gz";
        if (!fs::is_regular_file(alt, ec))
          throw Error("no labels file " + labelsFile.filename().string() + " for the images",
                      img.string());
        labelsFile = alt;
      }
      IdxArray images = readIdx(img.string(), 3, opt.maxDecompressedBytes, opt.maxCompressionRatio);
      IdxArray labels =
          readIdx(labelsFile.string(), 1, opt.maxDecompressedBytes, opt.maxCompressionRatio);
      if (labels.dims[0] != images.dims[0])
        throw Error(std::to_string(labels.dims[0]) + " labels for " +
                        std::to_string(images.dims[0]) + " images in " + img.filename().string(),
                    labelsFile.string());
      if (splits_.count(split))
        throw Error("two image files for split '" + split + "'", img.string());
      Store& s = stores_[split];
      s.rows = images.dims[1];
      s.cols = images.dims[2];
      s.pixels = std::move(images.data);
      splitOrder_.push_back(split);
      auto& list = splits_[split];
      list.reserve(labels.dims[0]);
      for (std::uint32_t i = 0; i < labels.dims[0]; ++i) {
        ItemRef item;
        item.id = split + ":" + std::to_string(i);
        item.label = labels.data[i];
        item.index = i;
        maxLabel = std::max(maxLabel, item.label);
        list.push_back(std::move(item));
      }
    }
    // train before test, whatever the file order.
    std::stable_sort(splitOrder_.begin(), splitOrder_.end(), [](const auto& a, const auto& b) {
      auto rank = [](const std::string& s) { return s == "train" ? 0 : s == "val" ? 1 : 2; };
      return rank(a) < rank(b);
    });
    if (names.empty())
      for (int l = 0; l <= maxLabel; ++l) names.push_back(std::to_string(l));
    classNames_ = names;
    finalize();
  }

  Image loadImage(const ItemRef& item) const override {
    const Store& s = storeOf(item);
    Image img;
    img.width = static_cast<int>(s.cols);
    img.height = static_cast<int>(s.rows);
    img.channels = 1;
    const std::size_t n = std::size_t(s.rows) * s.cols;
    img.pixels.assign(s.pixels.begin() + n * item.index, s.pixels.begin() + n * (item.index + 1));
    return img;
  }

  std::string contentHash(const ItemRef& item) const override {
    const Store& s = storeOf(item);
    const std::size_t n = std::size_t(s.rows) * s.cols;
    std::string bytes(reinterpret_cast<const char*>(s.pixels.data() + n * item.index), n);
    bytes += "/" + std::to_string(s.rows) + "x" + std::to_string(s.cols);
    return hashHex(bytes);
  }

 private:
  std::map<std::string, Store> stores_;

  const Store& storeOf(const ItemRef& item) const {
    auto colon = item.id.find(':');
    auto it = stores_.find(item.id.substr(0, colon));
    if (colon == std::string::npos || it == stores_.end() || item.index < 0)
      throw Error("not an item of this dataset", item.id);
    const std::size_t n = std::size_t(it->second.rows) * it->second.cols;
    if ((static_cast<std::size_t>(item.index) + 1) * n > it->second.pixels.size())
      throw Error("item index out of range", item.id);
    return it->second;
  }
};

}  // namespace

std::unique_ptr<Dataset> openIdxDataset(const std::string& path, const DatasetOptions& opt) {
  auto ds = std::make_unique<IdxDataset>();
  ds->load(path, opt);
  return ds;
}

}  // namespace pd::data
