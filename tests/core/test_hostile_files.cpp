// Hostile files (tests/data/hostile, see make_hostile.py) through the core readers: each must throw
// pd::Error with a clear message, in a process whose peak memory stays under 200 MB (each case runs
// in a forked child; wait4() gives its maximum resident set size). Also: the isolated .pt import
// (crash, time limit and failure of the child become "not a valid CLIP checkpoint"), and
// regression tests for the bugs the fuzz targets (tests/fuzz) found.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "data/image_decode.h"
#include "io/json_limits.h"
#include "io/safetensors.h"
#include "project/sqlite_db.h"
#include "project/tensor_blob.h"

#include <sqlite3.h>
#include <QtTest/QtTest>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>

#include "promptdesk/checkpoint_import.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"
#include "promptdesk/image.h"
#include "promptdesk/project.h"
#include "promptdesk/template_set.h"
#include "promptdesk/verbalizer.h"

namespace {

const std::string kData = PD_TEST_DATA;
std::string hostile(const std::string& name) { return kData + "/hostile/" + name; }

constexpr long kPeakLimitKb = 200 * 1024;

// The peak-memory limit of a child. Under AddressSanitizer (the `asan` preset) a child starts with
// the parent's shadow memory, so there the limit is a no-op child's peak plus the 136 MB that a
// release child may grow (200 MB less its ~64 MB start).
long peakLimitKb() {
#if defined(__SANITIZE_ADDRESS__)
  static const long limit = [] {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = 0;
    struct rusage ru {};
    if (wait4(pid, &status, 0, &ru) != pid) qFatal("wait4 failed");
    std::printf("  AddressSanitizer: no-op child peak %ld kB\n", ru.ru_maxrss);
    return ru.ru_maxrss + 136 * 1024;
  }();
  return limit;
#else
  return kPeakLimitKb;
#endif
}

// Runs `fn` in a forked child. The child exits 0 when fn throws pd::Error containing every needle,
// 3 when it returns normally, 4 on another exception, 5 when the message misses a needle.
// Returns the child's peak RSS (kB); fails the test on any other outcome.
long expectErrorInChild(const char* what, const std::function<void()>& fn,
                        const std::vector<std::string>& needles) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    int code = 3;
    try {
      fn();
    } catch (const pd::Error& e) {
      code = 0;
      for (const auto& n : needles)
        if (std::string(e.what()).find(n) == std::string::npos) {
          std::fprintf(stderr, "%s: message '%s' lacks '%s'\n", what, e.what(), n.c_str());
          code = 5;
        }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: not a pd::Error: %s\n", what, e.what());
      code = 4;
    }
    std::fflush(nullptr);
    _exit(code);
  }
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) != pid) qFatal("wait4 failed");
  if (WIFSIGNALED(status))
    QTest::qFail(qPrintable(QString("%1: crashed with signal %2").arg(what).arg(WTERMSIG(status))),
                 __FILE__, __LINE__);
  else if (WEXITSTATUS(status) != 0)
    QTest::qFail(qPrintable(QString("%1: child outcome %2 (3 no error, 4 other exception, 5 "
                                    "message)")
                                .arg(what)
                                .arg(WEXITSTATUS(status))),
                 __FILE__, __LINE__);
  std::printf("  %-28s peak %6ld kB\n", what, ru.ru_maxrss);
  if (ru.ru_maxrss >= peakLimitKb())
    QTest::qFail(qPrintable(QString("%1: peak memory %2 kB").arg(what).arg(ru.ru_maxrss)), __FILE__,
                 __LINE__);
  return ru.ru_maxrss;
}

std::vector<uint8_t> fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void writeText(const QString& path, const std::string& text, bool executable = false) {
  std::ofstream(path.toStdString(), std::ios::binary) << text;
  if (executable) QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::ExeOwner);
}

std::string le64(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// An IDX folder: train-images-idx3-ubyte.gz = `header` + `zeroMiB` MiB of zeros (gzip `mode`),
// and plain train-labels-idx1-ubyte with `labels` zero labels.
void writeIdxBomb(const QString& folder, const std::vector<unsigned char>& header, int zeroMiB,
                  int labels, const char* mode) {
  QDir().mkpath(folder);
  gzFile f = gzopen((folder + "/train-images-idx3-ubyte.gz").toLocal8Bit().constData(), mode);
  gzwrite(f, header.data(), static_cast<unsigned>(header.size()));
  std::vector<char> zeros(1 << 20, 0);
  for (int i = 0; i < zeroMiB; ++i) gzwrite(f, zeros.data(), static_cast<unsigned>(zeros.size()));
  gzclose(f);
  std::string l = {0, 0, 8, 1, 0, 0, 0, static_cast<char>(labels)};
  l.append(static_cast<std::size_t>(labels), '\0');
  std::ofstream((folder + "/train-labels-idx1-ubyte").toStdString(), std::ios::binary) << l;
}

}  // namespace

class TestHostileFiles : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void safetensors() {
    auto st = [](const std::string& f) { return [f] { pd::io::readSafetensors(hostile(f)); }; };
    expectErrorInChild("st header 2^60", st("st_header_2e60.safetensors"),
                       {"st_header_2e60.safetensors", "1152921504606846976", "exceeds"});
    expectErrorInChild("st overlap", st("st_overlap.safetensors"), {"overlap"});
    expectErrorInChild("st offsets overflow", st("st_offsets_overflow.safetensors"),
                       {"data_offsets"});
    expectErrorInChild("st shape overflow", st("st_shape_overflow.safetensors"), {"int64"});
    QTemporaryDir dir;
    const std::string cut = dir.filePath("truncated.safetensors").toStdString();
    {
      std::vector<uint8_t> b = fileBytes(kData + "/clip-tiny-vit/model.safetensors");
      b.resize(b.size() / 2);
      std::ofstream(cut, std::ios::binary)
          .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
    expectErrorInChild("st truncated", [cut] { pd::io::readSafetensors(cut); }, {"truncated"});
  }

  void images() {
    expectErrorInChild(
        "png 100000x100000",
        [] { pd::preprocessImageFileForClip(hostile("png_100000x100000.png"), 224); },
        {"png_100000x100000.png", "100000", "more pixels than the limit"});
    expectErrorInChild("jpeg 65500x65500",
                       [] { pd::preprocessImageFileForClip(hostile("jpeg_65500x65500.jpg"), 224); },
                       {"jpeg_65500x65500.jpg", "more pixels than the limit"});
    expectErrorInChild(
        "png 5000x5000 in 100 bytes",
        [] { pd::preprocessImageFileForClip(hostile("png_5000x5000_tiny.png"), 224); },
        {"png_5000x5000_tiny.png", "5000x5000", "more than the", "file can hold"});
    expectErrorInChild(
        "jpeg 8000x8000 in 178 bytes",
        [] { pd::preprocessImageFileForClip(hostile("jpeg_8000x8000_tiny.jpg"), 224); },
        {"jpeg_8000x8000_tiny.jpg", "8000x8000", "file can hold"});
    expectErrorInChild(
        "progressive jpeg 8000x8000 in 178 bytes",
        [] { pd::preprocessImageFileForClip(hostile("jpeg_8000x8000_progressive_tiny.jpg"), 224); },
        {"jpeg_8000x8000_progressive_tiny.jpg", "8000x8000", "file can hold"});
    // The limit is configurable: a small one refuses a real 300x200 JPEG the same way.
    pd::ImageDecodeOptions small;
    small.maxPixels = 1000;
    expectErrorInChild("jpeg over a 1000-px limit",
                       [small] {
                         pd::preprocessImageFileForClip(kData + "/clip-preprocess/landscape.jpg",
                                                        32, small);
                       },
                       {"landscape.jpg", "more pixels than the limit of 1000"});
    // ... and so is the default, through PROMPTDESK_MAX_IMAGE_PIXELS (set in the child only).
    expectErrorInChild("jpeg over PROMPTDESK_MAX_IMAGE_PIXELS=5000",
                       [] {
                         setenv("PROMPTDESK_MAX_IMAGE_PIXELS", "5000", 1);
                         pd::preprocessImageFileForClip(kData + "/clip-preprocess/landscape.jpg",
                                                        32);
                       },
                       {"landscape.jpg", "limit of 5000", "PROMPTDESK_MAX_IMAGE_PIXELS"});
    expectErrorInChild("PROMPTDESK_MAX_IMAGE_PIXELS=lots",
                       [] {
                         setenv("PROMPTDESK_MAX_IMAGE_PIXELS", "lots", 1);
                         pd::preprocessImageFileForClip(kData + "/clip-preprocess/landscape.jpg",
                                                        32);
                       },
                       {"PROMPTDESK_MAX_IMAGE_PIXELS", "'lots' is not a positive number"});
    setenv("PROMPTDESK_MAX_IMAGE_PIXELS", "1000000", 1);  // 300x200 fits
    QCOMPARE(pd::preprocessImageFileForClip(kData + "/clip-preprocess/landscape.jpg", 32).size(),
             std::size_t(3 * 32 * 32));
    unsetenv("PROMPTDESK_MAX_IMAGE_PIXELS");
  }

  // Hostile CoOp split files and text labels: every entry whose path leaves the dataset's root or
  // whose label is off the class list is refused, and the dataset cannot be opened for use (the
  // old loader accepted ../../etc/passwd as an item and turned label 99 into 97 phantom classes).
  void hostileDatasetEntries() {
    QTemporaryDir dir;
    const QString root = dir.filePath("coop");
    QDir().mkpath(root + "/images");
    const std::string png = kData + "/clip-preprocess/grey.png";
    for (const char* f : {"a", "b", "c"})
      QVERIFY(QFile::copy(QString::fromStdString(png), root + "/images/" + f + ".png"));
    auto split = [&](const std::string& name, const std::string& extra) {
      writeText(root + "/" + QString::fromStdString(name),
                "{\"train\": [[\"a.png\", 0, \"cat\"], [\"b.png\", 1, \"dog\"], [\"c.png\", 2, "
                "\"bird\"],\n" + extra + "]}\n");
      return "coop-split:" + (root + "/" + QString::fromStdString(name)).toStdString();
    };
    const std::string climb = split("split_zhou_Climb.json", " [\"../../../../../../etc/passwd\", 0, \"cat\"]");
    const std::string absolute = split("split_zhou_Abs.json", " [\"/etc/passwd\", 0, \"cat\"]");
    const std::string phantom = split("split_zhou_Label99.json", " [\"a.png\", 99, \"cat\"]");
    const std::string negative = split("split_zhou_Neg.json", " [\"a.png\", -1, \"cat\"]");
    expectErrorInChild("coop ../../etc/passwd", [&] { pd::openDataset(climb); },
                       {"split_zhou_Climb.json:2: train[3]", "outside-root", "etc/passwd"});
    expectErrorInChild("coop /etc/passwd", [&] { pd::openDataset(absolute); },
                       {"split_zhou_Abs.json:2: train[3]", "outside-root", "absolute path"});
    expectErrorInChild("coop label 99 of 3", [&] { pd::openDataset(phantom); },
                       {"split_zhou_Label99.json:2: train[3]", "label 99", "3 classes"});
    expectErrorInChild("coop label -1", [&] { pd::openDataset(negative); },
                       {"split_zhou_Neg.json:2: train[3]", "label -1"});
    // Listed for inspection: 3 classes, the refused entry counted, unusable.
    pd::DatasetOptions inspect;
    inspect.inspect = true;
    auto ds = pd::openDataset(phantom, inspect);
    QCOMPARE(ds->classNames().size(), std::size_t(3));
    QCOMPARE(ds->refusedCount(), std::int64_t(1));
    QVERIFY(!ds->usable());
    // Text: a label outside the given class list, a row without a label.
    const QString csv = dir.filePath("labels.csv");
    writeText(csv, "text,label\ngood,pos\nodd,maybe\n");
    expectErrorInChild("text unknown label",
                       [&] {
                         pd::DatasetOptions o;
                         o.labelNames = {"neg=negative", "pos=positive"};
                         pd::openDataset(csv.toStdString(), o);
                       },
                       {"labels.csv:3: unknown-label", "column 'label'", "'maybe'"});
    const QString arff = dir.filePath("x.arff");
    writeText(arff, "@relation r\n@attribute text string\n@attribute class {a,b}\n@data\n'q',c\n");
    expectErrorInChild("arff label not nominal", [&] { pd::openDataset(arff.toStdString()); },
                       {"x.arff:5: unknown-label", "column 'class'", "'c'"});
    writeText(arff, "@relation r\n@attribute text string\n@attribute class {a,b\n@data\n");
    expectErrorInChild("arff bad header", [&] { pd::openDataset(arff.toStdString()); },
                       {"x.arff:3", "no closing '}'"});
  }

  void idxBombs() {
    QTemporaryDir dir;
    // Header claims 2^32-1 x 65536 x 65536 bytes.
    const QString a = dir.filePath("a");
    QDir().mkpath(a);
    {
      gzFile f = gzopen((a + "/train-images-idx3-ubyte.gz").toLocal8Bit().constData(), "wb");
      const unsigned char h[] = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0, 0, 1, 0, 0};
      gzwrite(f, h, sizeof h);
      gzclose(f);
      const char l[] = {0, 0, 8, 1, 0, 0, 0, 1, 0};
      std::ofstream((a + "/train-labels-idx1-ubyte").toStdString(), std::ios::binary)
          .write(l, sizeof l);
    }
    expectErrorInChild("idx header 2^32x2^16x2^16",
                       [a] { pd::openDataset("idx:" + a.toStdString()); },
                       {"train-images-idx3-ubyte.gz"});
    // Header claims 10 28x28 images; the stream inflates to 256 MiB.
    const QString b = dir.filePath("b");
    writeIdxBomb(b, {0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28}, 256, 10, "wb1");
    expectErrorInChild("idx stream bomb", [b] { pd::openDataset("idx:" + b.toStdString()); },
                       {"more data than the header"});
    // The decompressed-size limit applies to what the header claims.
    const QString c = dir.filePath("c");
    writeIdxBomb(c, {0, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0, 28, 0, 0, 0, 28}, 0, 10, "wb");
    expectErrorInChild("idx over a 1 MB limit",
                       [c] {
                         pd::DatasetOptions o;
                         o.maxDecompressedBytes = 1000000;
                         pd::openDataset("idx:" + c.toStdString(), o);
                       },
                       {"over the limit of 1000000"});
    // Header claims 100 images of 1024x1024 (100 MiB, under the 2 GiB limit) and the stream has
    // them, as ~100 KB of gzip: refused by the compression-ratio guard once past 8 MiB.
    const QString d = dir.filePath("d");
    writeIdxBomb(d, {0, 0, 8, 3, 0, 0, 0, 100, 0, 0, 4, 0, 0, 0, 4, 0}, 100, 100, "wb9");
    expectErrorInChild("idx gzip bomb within the size limit",
                       [d] { pd::openDataset("idx:" + d.toStdString()); },
                       {"train-images-idx3-ubyte.gz", "likely gzip bomb"});
  }

  void projectOfRandomBytes() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("random.pdesk").toStdString();
    QFile::copy(QString::fromStdString(hostile("project_random.pdesk")), QString::fromStdString(p));
    expectErrorInChild("project of random bytes", [p] { pd::Project::open(p); }, {"random.pdesk"});
    QCOMPARE(fileBytes(p), fileBytes(hostile("project_random.pdesk")));  // untouched
  }

  void jsonLimits() {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    expectErrorInChild("json nesting 100000",
                       [deep] { pd::io::parseJsonLimited(deep, "deep.json"); },
                       {"deep.json", "nested deeper than 128"});
    expectErrorInChild("verbalizer nesting", [deep] { pd::Verbalizer::fromJson(deep, "v.json"); },
                       {"v.json", "nested deeper"});
    expectErrorInChild("template library nesting",
                       [deep] { pd::TemplateLibrary::fromJson(deep, "lib.json"); },
                       {"lib.json", "nested deeper"});
    // A safetensors header nesting beyond what the format needs.
    const std::string nested =
        "{\"a\":{\"shape\":" + std::string(20, '[') + std::string(20, ']') + "}}";
    expectErrorInChild(
        "safetensors header nesting",
        [nested] { pd::io::readSafetensorsBytes(le64(nested.size()) + nested, "n.safetensors"); },
        {"n.safetensors", "nests deeper than 8"});
    QTemporaryDir dir;
    const QString big = dir.filePath("big.json");
    {
      std::ofstream out(big.toStdString(), std::ios::binary);
      out.seekp(static_cast<std::streamoff>(pd::io::kMaxJsonFileBytes));
      out.put(' ');  // sparse file just over the limit
    }
    expectErrorInChild("json file over the size limit",
                       [big] { pd::Verbalizer::load(big.toStdString()); },
                       {"big.json", "over the limit"});
  }

  // Bug (found reading the code for this issue): project::decodeSafetensors, the reader of
  // tensors stored as BLOBs in a project, had its own unchecked parser: element counts could
  // overflow and wrong JSON types escaped as nlohmann exceptions. It now uses the file reader.
  void projectBlobRegression() {
    auto blob = [](const std::string& h) { return le64(h.size()) + h + std::string(16, '\0'); };
    expectErrorInChild(
        "blob shape overflow",
        [blob] {
          pd::project::decodeSafetensors(
              blob(
                  R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}})"),
              "blob");
        },
        {"blob", "int64"});
    expectErrorInChild("blob wrong json types",
                       [blob] {
                         pd::project::decodeSafetensors(
                             blob(R"({"a":{"dtype":5,"shape":"x","data_offsets":{}}})"), "blob");
                       },
                       {"blob", "dtype"});
    expectErrorInChild(
        "blob metadata not an object",
        [blob] { pd::project::decodeSafetensors(blob(R"({"__metadata__":[1,2]})"), "blob"); },
        {"blob", "__metadata__"});
  }

  // Bug (found reading the code for this issue): a split row whose item_ids column is JSON but not
  // a list of strings escaped Project::split() as an nlohmann exception instead of a pd::Error.
  void projectSplitRowRegression() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("splits.pdesk").toStdString();
    std::int64_t splitId = 0;
    {
      auto project = pd::Project::create(p);
      pd::DatasetRecord d;
      d.name = "d";
      d.path = "/nowhere";
      d.contentHash = "00";
      const std::int64_t ds = project->addDataset(d);
      pd::SplitRecord s;
      s.datasetId = ds;
      s.name = "train";
      s.itemIds = {"a", "b"};
      splitId = project->addSplit(s);
      QCOMPARE(project->split(splitId).itemIds.size(), std::size_t(2));
    }
    for (const char* bad : {R"({"a":1})", "[1,2]", "\"text\"", "[[[[]]]]"}) {
      {
        pd::project::Db db(p, SQLITE_OPEN_READWRITE, p);
        pd::project::Stmt up(db, "UPDATE splits SET item_ids=?1 WHERE id=?2");
        up.bind(1, std::string(bad)).bind(2, splitId).exec();
      }
      expectErrorInChild((std::string("split item_ids ") + bad).c_str(),
                         [p, splitId] { pd::Project::open(p)->split(splitId); },
                         {"split " + std::to_string(splitId)});
    }
  }

  void isolatedImportGarbage() {
    QTemporaryDir dir;
    pd::IsolatedImportOptions opt;
    opt.cliPath = std::string(PD_BIN_DIR) + "/promptdesk-cli";
    if (!QFileInfo(QString::fromStdString(opt.cliPath)).isExecutable())
      QSKIP("promptdesk-cli not built in this tree");
    const std::string out = dir.filePath("g.safetensors").toStdString();
    QVERIFY(pd::needsIsolatedImport(hostile("garbage_zip.pt")));
    try {
      pd::importCheckpointIsolated(hostile("garbage_zip.pt"), out, opt);
      QFAIL("garbage .pt imported");
    } catch (const pd::Error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find("garbage_zip.pt") != std::string::npos, e.what());
      QVERIFY2(m.find("this file is not a valid CLIP checkpoint: ") != std::string::npos, e.what());
      QVERIFY2(m.find("TorchScript") != std::string::npos, e.what());  // the child's reason
    }
    QVERIFY(!QFile::exists(QString::fromStdString(out)));
  }

  void isolatedImportRealCheckpoint() {
    QTemporaryDir dir;
    pd::IsolatedImportOptions opt;
    opt.cliPath = std::string(PD_BIN_DIR) + "/promptdesk-cli";
    if (!QFileInfo(QString::fromStdString(opt.cliPath)).isExecutable())
      QSKIP("promptdesk-cli not built in this tree");
    opt.memoryLimitBytes = 4ull << 30;
    const std::string in = kData + "/clip-tiny-vit/openai-jit.pt";
    const std::string out = dir.filePath("vit.safetensors").toStdString();
    pd::ImportedCheckpoint r = pd::importCheckpointIsolated(in, out, opt);
    QCOMPARE(r.safetensorsPath, out);
    pd::io::StateDict sd = pd::io::readSafetensors(out);
    QVERIFY(sd.tensors.count("visual.conv1.weight") == 1);
    QCOMPARE(sd.metadata.at("source_format"), std::string("openai-torchscript"));
  }

  // The address-space limit is applied to the child and named in the error when it is hit.
  void isolatedImportMemoryLimit() {
    QTemporaryDir dir;
    pd::IsolatedImportOptions opt;
    opt.cliPath = std::string(PD_BIN_DIR) + "/promptdesk-cli";
    if (!QFileInfo(QString::fromStdString(opt.cliPath)).isExecutable())
      QSKIP("promptdesk-cli not built in this tree");
#if defined(__SANITIZE_ADDRESS__)
    QSKIP("no RLIMIT_AS under AddressSanitizer");
#endif
    opt.memoryLimitBytes = 96ull << 20;  // less than LibTorch needs to start
    const std::string out = dir.filePath("vit.safetensors").toStdString();
    try {
      pd::importCheckpointIsolated(kData + "/clip-tiny-vit/openai-jit.pt", out, opt);
      QFAIL("imported within 96 MiB of address space");
    } catch (const pd::Error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find("this file is not a valid CLIP checkpoint: ") != std::string::npos, e.what());
      QVERIFY2(m.find("96 MiB memory limit") != std::string::npos, e.what());
    }
    QVERIFY(!QFile::exists(QString::fromStdString(out)));
  }

  void isolatedImportChildFailures() {
    QTemporaryDir dir;
    const QString in = dir.filePath("model.pt");
    writeText(in, "PK\x03\x04 whatever");
    const std::string out = dir.filePath("out.safetensors").toStdString();
    auto expect = [&](const std::string& script, pd::IsolatedImportOptions opt,
                      const std::vector<std::string>& needles) {
      const QString cli = dir.filePath("fake-cli");
      QFile::remove(cli);
      writeText(cli, "#!/bin/sh\n" + script + "\n", true);
      opt.cliPath = cli.toStdString();
      try {
        pd::importCheckpointIsolated(in.toStdString(), out, opt);
        QFAIL(("no error for: " + script).c_str());
      } catch (const pd::Error& e) {
        for (const auto& n : needles)
          QVERIFY2(std::string(e.what()).find(n) != std::string::npos,
                   (std::string(e.what()) + " lacks " + n).c_str());
      }
    };
    const std::vector<std::string> base = {"model.pt", "this file is not a valid CLIP checkpoint"};
    auto with = [&](std::vector<std::string> v) {
      v.insert(v.end(), base.begin(), base.end());
      return v;
    };
    expect("kill -SEGV $$", {}, with({"crashed", "SIGSEGV"}));
    expect("echo 'promptdesk-cli: error: x: bad zip entry' >&2; exit 1", {},
           with({"bad zip entry"}));
    pd::IsolatedImportOptions quick;
    quick.timeLimitSeconds = 0.5;
    QElapsedTimer t;
    t.start();
    expect("sleep 30", quick, with({"longer than"}));
    QVERIFY(t.elapsed() < 10000);
    expect("exit 0", {}, with({"wrote no output"}));
    // Cancelled: killed, and a pd::Error that says so.
    pd::IsolatedImportOptions cancel;
    cancel.cancelled = [] { return true; };
    try {
      const QString cli = dir.filePath("fake-cli");
      QFile::remove(cli);
      writeText(cli, "#!/bin/sh\nsleep 30\n", true);
      cancel.cliPath = cli.toStdString();
      pd::importCheckpointIsolated(in.toStdString(), out, cancel);
      QFAIL("not cancelled");
    } catch (const pd::Error& e) {
      QVERIFY2(std::string(e.what()).find("cancelled") != std::string::npos, e.what());
    }
    // A CLI that does not exist: says which, and how to point at the right one.
    pd::IsolatedImportOptions missing;
    missing.cliPath = dir.filePath("no-such-cli").toStdString();
    try {
      pd::importCheckpointIsolated(in.toStdString(), out, missing);
      QFAIL("ran a missing CLI");
    } catch (const pd::Error& e) {
      QVERIFY2(std::string(e.what()).find("PROMPTDESK_CLI") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestHostileFiles)
#include "test_hostile_files.moc"
