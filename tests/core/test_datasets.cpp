// Datasets: every layout on small data the test writes, the problems each reports, Fashion-MNIST.
#include <zlib.h>

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

void writePng(const fs::path& p, int w, int h, int seed) {
  fs::create_directories(p.parent_path());
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7 + seed);
  QVERIFY(stbi_write_png(p.string().c_str(), w, h, 3, px.data(), w * 3));
}

std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  s[0] = char(v >> 24), s[1] = char(v >> 16), s[2] = char(v >> 8), s[3] = char(v);
  return s;
}

std::string idxImages(std::uint32_t n, std::uint32_t r, std::uint32_t c) {
  std::string s = std::string("\0\0\x08\x03", 4) + be32(n) + be32(r) + be32(c);
  for (std::uint32_t i = 0; i < n * r * c; ++i) s += char(i % 251);
  return s;
}
std::string idxLabels(const std::vector<int>& labels) {
  std::string s = std::string("\0\0\x08\x01", 4) + be32(static_cast<std::uint32_t>(labels.size()));
  for (int l : labels) s += char(l);
  return s;
}
void writeGz(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  gzFile f = gzopen(p.string().c_str(), "wb");
  QVERIFY(f);
  if (!bytes.empty()) QCOMPARE(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
}

int countProblems(const pd::Dataset& ds, const std::string& kind) {
  int n = 0;
  for (auto& p : ds.problems()) n += p.kind == kind;
  return n;
}

bool throwsWith(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
  } catch (const pd::Error& e) {
    if (std::string(e.what()).find(needle) != std::string::npos) return true;
    qWarning("error text: %s", e.what());
    return false;
  }
  return false;
}

}  // namespace

class TestDatasets : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  fs::path dir(const char* name) { return fs::path(tmp_.path().toStdString()) / name; }

 private Q_SLOTS:
  void folderPerClass() {
    fs::path root = dir("pets");
    writePng(root / "great_pyrenees/a.png", 4, 3, 1);
    writePng(root / "great_pyrenees/b.png", 4, 3, 2);
    writePng(root / "abyssinian/x.png", 5, 5, 3);
    writeText(root / "abyssinian/notes.txt", "not an image");
    fs::create_directories(root / "empty_class");
    auto ds = pd::openDataset(root.string());
    QCOMPARE(ds->kind(), std::string("folder"));
    QCOMPARE(ds->classNames(),
             (std::vector<std::string>{"abyssinian", "empty class", "great pyrenees"}));
    const auto& items = ds->items("train");
    QCOMPARE(items.size(), std::size_t(3));
    QCOMPARE(items[0].id, std::string("abyssinian/x.png"));
    QCOMPARE(items[0].label, 0);
    QCOMPARE(items[1].className, std::string("great pyrenees"));
    QCOMPARE(countProblems(*ds, "not-an-image"), 1);
    QCOMPARE(countProblems(*ds, "empty-class"), 1);
    pd::Image img = ds->loadImage(items[1]);
    QCOMPARE(img.width, 4);
    QCOMPARE(img.height, 3);
    QCOMPARE(img.channels, 3);
    QCOMPARE(img.pixels[0], (unsigned char)(1));
    QVERIFY(ds->contentHash(items[1]) != ds->contentHash(items[2]));
    QCOMPARE(ds->contentHash(items[1]).size(), std::size_t(16));
    auto info = ds->info();
    QCOMPARE(info.splits.size(), std::size_t(1));
    QCOMPARE(info.splits[0].perClass, (std::vector<std::int64_t>{1, 0, 2}));
  }

  void folderClassNamesFileAndSplits() {
    fs::path root = dir("flowers");
    writePng(root / "train/c01/a.png", 2, 2, 1);
    writePng(root / "train/c02/b.png", 2, 2, 2);
    writePng(root / "test/c01/c.png", 2, 2, 3);
    writeText(root / "test/c02/broken.png", "garbage");
    writeText(root / "classnames.txt", "c01 pink primrose\nc02   hard-leaved pocket orchid  \n");
    pd::DatasetOptions opt;
    opt.verifyImages = true;
    auto ds = pd::openDataset("folder:" + root.string(), opt);
    QCOMPARE(ds->splitNames(), (std::vector<std::string>{"train", "test"}));
    QCOMPARE(ds->classNames()[1], std::string("hard-leaved pocket orchid"));
    QCOMPARE(ds->items("test").size(), std::size_t(1));
    QCOMPARE(ds->items("test")[0].id, std::string("test/c01/c.png"));
    QCOMPARE(countProblems(*ds, "unreadable-image"), 1);
    QVERIFY(throwsWith([&] { ds->items("val"); }, "train, test"));
    // Without verification the broken file is listed, and reading it is a clear error.
    auto ds2 = pd::openDataset(root.string());
    QCOMPARE(ds2->items("test").size(), std::size_t(2));
    QVERIFY(throwsWith([&] { ds2->loadImage(ds2->items("test")[1]); }, "broken.png"));
  }

  void coopSplit() {
    fs::path root = dir("oxford_pets");
    writePng(root / "images/a.jpg.png", 3, 3, 1);  // any readable image
    writePng(root / "images/b.png", 3, 3, 2);
    writePng(root / "images/c.png", 3, 3, 3);
    writeText(root / "split_zhou_OxfordPets.json", R"({
      "train": [["a.jpg.png", 0, "abyssinian"], ["b.png", 1, "bengal"], ["b.png", 1, "bengal"],
                ["gone.png", 0, "abyssinian"], ["c.png", 1, "Bengal"], [1, 2], ["c.png", 7, "x"]],
      "val": [["c.png", 1, "bengal"]],
      "test": [["a.jpg.png", 0, "abyssinian"], ["c.png", -1, "bad"]]})");
    // Labels 7 and -1 do not match the class list (0 abyssinian, 1 bengal): refused, and the
    // dataset cannot be used.
    QVERIFY(throwsWith([&] { pd::openDataset(root.string()); },
                       "split_zhou_OxfordPets.json:3: train[6]: label-out-of-range"));
    pd::DatasetOptions inspect;
    inspect.inspect = true;
    auto ds = pd::openDataset(root.string(), inspect);
    QCOMPARE(ds->kind(), std::string("coop-split"));
    QCOMPARE(ds->name(), std::string("OxfordPets"));
    QCOMPARE(ds->splitNames(), (std::vector<std::string>{"train", "val", "test"}));
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"abyssinian", "bengal"}));  // no phantoms
    QCOMPARE(ds->items("train").size(), std::size_t(3));  // a, b, c (label 1)
    QCOMPARE(countProblems(*ds, "missing-file"), 1);
    QCOMPARE(countProblems(*ds, "duplicate-item"), 1);  // b.png twice in train
    QCOMPARE(countProblems(*ds, "class-name-conflict"), 1);
    QCOMPARE(countProblems(*ds, "bad-entry"), 1);
    QCOMPARE(countProblems(*ds, "label-out-of-range"), 2);
    QCOMPARE(countProblems(*ds, "empty-class"), 0);
    QCOMPARE(ds->refusedCount(), std::int64_t(2));
    QVERIFY(!ds->usable());
    QCOMPARE(ds->info().refused, std::int64_t(2));
    QVERIFY(throwsWith([&] { ds->requireUsable(); }, "2 item(s) refused"));
    bool neg = false;
    for (auto& p : ds->problems())
      neg |= p.kind == "label-out-of-range" && p.action == "refused" &&
             p.where == "split_zhou_OxfordPets.json:5: test[1]";
    QVERIFY(neg);
    QVERIFY(ds->items("train")[0].path.find("images") != std::string::npos);
    QCOMPARE(ds->loadImage(ds->items("val")[0]).width, 3);
  }

  // Paths that climb out of the root or are absolute, labels past the class list, negative labels:
  // each refused at its line and entry; the dataset is unusable (openDataset throws).
  void coopSplitHostile() {
    fs::path base = dir("hostile-coop");
    fs::path root = base / "ds";
    writePng(root / "images/a.png", 3, 3, 1);
    writePng(root / "images/b.png", 3, 3, 2);
    writePng(root / "images/c.png", 3, 3, 3);
    writePng(base / "outside.png", 3, 3, 4);  // exists, but outside the dataset's root
    const std::string abs = (root / "images/a.png").string();
    writeText(root / "split_zhou_Hostile.json",
              "{\"train\": [[\"a.png\", 0, \"cat\"], [\"b.png\", 1, \"dog\"], [\"c.png\", 2, "
              "\"bird\"],\n"
              "  [\"../../../../../../../../etc/passwd\", 0, \"cat\"],\n"
              "  [\"/etc/passwd\", 1, \"dog\"],\n"
              "  [\"a.png\", 99, \"cat\"],\n"
              "  [\"b.png\", -1, \"dog\"],\n"
              "  [\"" + abs + "\", 0, \"cat\"]],\n"
              " \"test\": [[\"../../outside.png\", 0, \"cat\"], [\"c.png\", 2, \"bird\"]]}\n");
    QVERIFY(throwsWith([&] { pd::openDataset(root.string()); }, "item(s) refused"));
    QVERIFY(throwsWith([&] { pd::openDataset(root.string()); }, "etc/passwd"));
    pd::DatasetOptions o;
    o.inspect = true;
    auto ds = pd::openDataset(root.string(), o);
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"cat", "dog", "bird"}));  // not 100
    QCOMPARE(ds->items("train").size(), std::size_t(3));
    QCOMPARE(ds->items("test").size(), std::size_t(1));
    QCOMPARE(countProblems(*ds, "outside-root"), 4);  // ../etc/passwd, /etc/passwd, abs, ../..
    QCOMPARE(countProblems(*ds, "label-out-of-range"), 2);  // 99, -1
    QCOMPARE(countProblems(*ds, "empty-class"), 0);
    QCOMPARE(ds->refusedCount(), std::int64_t(6));
    std::set<std::string> wheres;
    for (auto& p : ds->problems()) wheres.insert(p.kind + " " + p.where);
    QVERIFY(wheres.count("outside-root split_zhou_Hostile.json:2: train[3]"));
    QVERIFY(wheres.count("outside-root split_zhou_Hostile.json:3: train[4]"));
    QVERIFY(wheres.count("label-out-of-range split_zhou_Hostile.json:4: train[5]"));
    QVERIFY(wheres.count("label-out-of-range split_zhou_Hostile.json:5: train[6]"));
    QVERIFY(wheres.count("outside-root split_zhou_Hostile.json:6: train[7]"));
    QVERIFY(wheres.count("outside-root split_zhou_Hostile.json:7: test[0]"));
    for (auto& p : ds->problems())
      if (p.kind == "label-out-of-range" && p.where.find("train[5]") != std::string::npos)
        QVERIFY2(p.message.find("label 99") != std::string::npos &&
                     p.message.find("3 classes") != std::string::npos,
                 p.message.c_str());
    // An explicit image root allows absolute paths inside it; climbing out of it is still refused.
    o.imageRoot = (root / "images").string();
    auto ds2 = pd::openDataset(root.string(), o);
    QCOMPARE(countProblems(*ds2, "outside-root"), 3);  // all but the absolute path inside it
    QCOMPARE(ds2->items("train").size(), std::size_t(4));
    QCOMPARE(ds2->items("train")[3].path, abs);
    // A split file whose labels are all named and paths inside its image root opens, usable.
    writeText(root / "ok" / "split_zhou_Ok.json",
              "{\"train\": [[\"images/a.png\", 0, \"cat\"], [\"images/b.png\", 1, \"dog\"]]}");
    pd::DatasetOptions ok;
    ok.imageRoot = root.string();
    auto ds3 = pd::openDataset((root / "ok").string(), ok);
    QVERIFY(ds3->usable());
    QCOMPARE(ds3->items("train").size(), std::size_t(2));
    // Without an explicit root, "../images/a.png" leaves the split file's folder: refused.
    writeText(root / "ok2" / "split_zhou_Ok.json",
              "{\"train\": [[\"../images/a.png\", 0, \"cat\"]]}");
    QVERIFY(throwsWith([&] { pd::openDataset((root / "ok2").string()); }, "outside-root"));
    // The class list can be given; labels then index it.
    pd::DatasetOptions named;
    named.inspect = true;
    named.labelNames = {"cat", "dog", "bird", "fish"};
    auto ds4 = pd::openDataset(root.string(), named);
    QCOMPARE(ds4->classNames().size(), std::size_t(4));
    QCOMPARE(countProblems(*ds4, "label-out-of-range"), 2);
  }

  void idxGzAndRaw() {
    fs::path root = dir("digits");
    std::vector<int> labels = {0, 1, 2, 1, 0, 2};
    writeGz(root / "train-images-idx3-ubyte.gz", idxImages(6, 2, 3));
    writeGz(root / "train-labels-idx1-ubyte.gz", idxLabels(labels));
    writeText(root / "t10k-images-idx3-ubyte", idxImages(2, 2, 3));
    writeText(root / "t10k-labels-idx1-ubyte", idxLabels({2, 3}));
    writeText(root / "classnames.txt", "0 zero\n1 one\n2 two\n");
    // Label 3 of the test split matches no class (3 names): refused, the dataset is unusable.
    QVERIFY(throwsWith([&] { pd::openDataset(root.string()); }, "test:1: label-out-of-range"));
    pd::DatasetOptions inspect;
    inspect.inspect = true;
    auto ds = pd::openDataset(root.string(), inspect);
    QCOMPARE(ds->kind(), std::string("idx"));
    QCOMPARE(ds->splitNames(), (std::vector<std::string>{"train", "test"}));
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"zero", "one", "two"}));
    QCOMPARE(ds->items("train").size(), std::size_t(6));
    QCOMPARE(ds->items("train")[3].id, std::string("train:3"));
    QCOMPARE(ds->items("test").size(), std::size_t(1));  // label 3 out of range: refused
    QCOMPARE(countProblems(*ds, "label-out-of-range"), 1);
    QVERIFY(!ds->usable());
    pd::Image img = ds->loadImage(ds->items("train")[1]);
    QCOMPARE(img.width, 3);
    QCOMPARE(img.height, 2);
    QCOMPARE(img.channels, 1);
    QCOMPARE(int(img.pixels[0]), 6);
    QVERIFY(ds->contentHash(ds->items("train")[0]) != ds->contentHash(ds->items("train")[1]));
  }

  void idxRejectsBadFiles() {
    auto make = [&](const char* name, const std::string& images, const std::string& labels) {
      fs::path root = dir(name);
      writeGz(root / "train-images-idx3-ubyte.gz", images);
      writeGz(root / "train-labels-idx1-ubyte.gz", labels);
      return root.string();
    };
    std::string badMagic = idxImages(2, 2, 2);
    badMagic[2] = 0x09;
    QVERIFY(throwsWith([&] { pd::openDataset(make("m1", badMagic, idxLabels({0, 1}))); }, "magic"));
    std::string truncated = idxImages(4, 2, 2);
    truncated.resize(truncated.size() - 3);
    QVERIFY(throwsWith(
        [&] {
          pd::openDataset(make("m2", truncated, idxLabels({0, 1, 0, 1})));
        },
        "truncated"));
    QVERIFY(throwsWith(
        [&] {
          pd::openDataset(make("m3", idxImages(3, 2, 2), idxLabels({0, 1})));
        },
        "2 labels for 3 images"));
    // Header claims 4e9 x 64 x 64 bytes: refused before any allocation.
    std::string huge = std::string("\0\0\x08\x03", 4) + be32(4000000000u) + be32(64) + be32(64);
    QVERIFY(
        throwsWith([&] { pd::openDataset(make("m4", huge, idxLabels({0}))); }, "over the limit"));
    // Gzip bomb: a small header, then far more data than it claims.
    std::string bomb = idxImages(1, 2, 2) + std::string(50u << 20, '\0');
    QVERIFY(throwsWith([&] { pd::openDataset(make("m5", bomb, idxLabels({0}))); }, "more data"));
    // Limit lowered: a legitimate size over the limit is refused too.
    pd::DatasetOptions small;
    small.maxDecompressedBytes = 10;
    QVERIFY(throwsWith(
        [&] {
          pd::openDataset(make("m6", idxImages(4, 2, 2), idxLabels({0, 1, 0, 1})), small);
        },
        "over the limit"));
    QVERIFY(throwsWith([&] { pd::openDataset(make("m7", "", idxLabels({0}))); }, "too short"));
  }

  void fashionMnist() {
    const std::string path = "/usr/share/datasets/fashion-mnist";
    QVERIFY2(fs::is_directory(path), "Debian dataset-fashion-mnist must be installed");
    auto ds = pd::openDataset(path);
    QCOMPARE(ds->name(), std::string("Fashion-MNIST"));
    QCOMPARE(ds->classNames().size(), std::size_t(10));
    QCOMPARE(ds->classNames()[0], std::string("T-shirt/top"));
    QCOMPARE(ds->classNames()[9], std::string("Ankle boot"));
    auto info = ds->info();
    QCOMPARE(info.splits.size(), std::size_t(2));
    QCOMPARE(info.splits[0].total, std::int64_t(60000));
    QCOMPARE(info.splits[1].total, std::int64_t(10000));
    for (int c = 0; c < 10; ++c) {
      QCOMPARE(info.splits[0].perClass[c], std::int64_t(6000));
      QCOMPARE(info.splits[1].perClass[c], std::int64_t(1000));
    }
    QVERIFY(ds->problems().empty());
    QCOMPARE(ds->loadImage(ds->items("test")[0]).width, 28);
    qInfo("Fashion-MNIST loaded in %.3f s", ds->loadSeconds);
  }

  void csvQuotingAndProblems() {
    fs::path f = dir("csv") / "reviews.csv";
    writeText(f,
              "id,text,label\r\n"
              "1,\"great, really\",pos\r\n"
              "2,\"two\nlines \"\"quoted\"\"\",neg\r\n"
              "3,ragged\r\n"
              "4,\"bad \xff byte\",pos\r\n"
              "5,fine,neg\r\n");
    auto ds = pd::openDataset(f.string());
    QCOMPARE(ds->modality(), std::string("text"));
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"neg", "pos"}));
    const auto& items = ds->items("train");
    QCOMPARE(items.size(), std::size_t(3));
    QCOMPARE(items[0].text, std::string("great, really"));
    QCOMPARE(items[1].text, std::string("two\nlines \"quoted\""));
    QCOMPARE(items[1].label, 0);
    QCOMPARE(items[2].id, std::string("reviews.csv:7"));  // line numbers count the embedded break
    QCOMPARE(countProblems(*ds, "ragged-row"), 1);
    QCOMPARE(countProblems(*ds, "non-utf8"), 1);
    bool ragged = false, bad = false;
    for (auto& p : ds->problems()) {
      ragged |= p.kind == "ragged-row" && p.where == f.string() + ":5";
      bad |= p.kind == "non-utf8" && p.where == f.string() + ":6";
    }
    QVERIFY(ragged);
    QVERIFY(bad);
  }

  void glueTsvFolderAndLabelNames() {
    fs::path root = dir("mrpc");
    writeText(root / "train.tsv", "sentence1\tsentence2\tlabel\na \"b\tc\t1\nd\te\t0\n");
    writeText(root / "dev.tsv", "sentence1\tsentence2\tlabel\nf\tg\t1\nh\ti\t5\n");
    pd::DatasetOptions opt;
    opt.labelNames = {"different", "paraphrase"};
    QVERIFY(throwsWith([&] { pd::openDataset(root.string(), opt); }, "unknown-label"));
    opt.inspect = true;
    auto ds = pd::openDataset(root.string(), opt);
    QCOMPARE(ds->kind(), std::string("tsv"));
    QCOMPARE(ds->splitNames(), (std::vector<std::string>{"train", "val"}));
    QCOMPARE(ds->items("train")[0].text, std::string("a \"b"));  // no quoting in GLUE TSV
    QCOMPARE(ds->items("train")[0].text2, std::string("c"));
    QCOMPARE(ds->items("train")[0].className, std::string("paraphrase"));
    QCOMPARE(ds->items("val").size(), std::size_t(1));
    QCOMPARE(countProblems(*ds, "unknown-label"), 1);
    for (auto& p : ds->problems())
      if (p.kind == "unknown-label") {
        QCOMPARE(p.where, (root / "dev.tsv").string() + ":3");
        QVERIFY2(p.message.find("column 'label': label '5'") != std::string::npos,
                 p.message.c_str());
        QCOMPARE(p.action, std::string("refused"));
      }
    QVERIFY(throwsWith(
        [&] {
          pd::DatasetOptions o;
          o.textColumn = "nope";
          pd::openDataset(root.string(), o);
        },
        "no text column 'nope'"));
  }

  void jsonl() {
    fs::path f = dir("j") / "data.jsonl";
    writeText(f,
              "{\"text\": \"a\", \"label\": 1}\n\n{broken\n[1]\n{\"text\": \"b\", \"label\": 0}\n"
              "{\"text\": \"c\"}\n");
    // Line 6 has no label: refused (missing-label), so the dataset is unusable.
    QVERIFY(throwsWith([&] { pd::openDataset("jsonl:" + f.string()); },
                       "data.jsonl:6: missing-label"));
    pd::DatasetOptions inspect;
    inspect.inspect = true;
    auto ds = pd::openDataset("jsonl:" + f.string(), inspect);
    QCOMPARE(ds->items("train").size(), std::size_t(2));
    QCOMPARE(ds->items("train")[1].id, std::string("data.jsonl:5"));
    QCOMPARE(countProblems(*ds, "bad-row"), 2);
    QCOMPARE(countProblems(*ds, "missing-label"), 1);
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"0", "1"}));
    QVERIFY(ds->contentHash(ds->items("train")[0]) != ds->contentHash(ds->items("train")[1]));
  }

  void textLabelMappingAndColumns() {
    fs::path f = dir("map") / "pairs.csv";
    writeText(f,
              "id,text_a,text_b,label\n"
              "1,good,very good,pos\n"
              "2,bad,awful,neg\n"
              "3,fine,ok,positive\n"
              "4,what,hm,maybe\n"
              "5,meh,so so,\n");
    pd::DatasetOptions o;
    o.labelNames = {"neg=negative", "pos=positive"};
    QVERIFY(throwsWith([&] { pd::openDataset(f.string(), o); }, "pairs.csv:5: unknown-label"));
    o.inspect = true;
    auto ds = pd::openDataset(f.string(), o);
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"negative", "positive"}));
    const auto& items = ds->items("train");
    QCOMPARE(items.size(), std::size_t(3));
    QCOMPARE(items[0].text, std::string("good"));
    QCOMPARE(items[0].text2, std::string("very good"));  // text_b pairs with text_a
    QCOMPARE(items[0].className, std::string("positive"));
    QCOMPARE(items[1].label, 0);
    QCOMPARE(items[2].label, 1);  // a class name matches too
    QCOMPARE(countProblems(*ds, "unknown-label"), 1);
    QCOMPARE(countProblems(*ds, "missing-label"), 1);
    QCOMPARE(ds->refusedCount(), std::int64_t(2));
    for (auto& p : ds->problems())
      if (p.kind == "unknown-label")
        QVERIFY2(p.message.find("label 'maybe' is not one of the 2 classes (negative, positive)") !=
                     std::string::npos,
                 p.message.c_str());
    // Plain names: integer labels index them; 2 is past the list.
    fs::path g = dir("map") / "ints.csv";
    writeText(g, "text,label\na,0\nb,1\nc,2\n");
    pd::DatasetOptions n;
    n.labelNames = {"negative", "positive"};
    QVERIFY(throwsWith([&] { pd::openDataset(g.string(), n); }, "ints.csv:4: unknown-label"));
    n.labelNames = {"negative", "positive", "neutral"};
    QCOMPARE(pd::openDataset(g.string(), n)->items("train")[2].className, std::string("neutral"));
    n.labelNames = {"negative", "1=positive"};
    QVERIFY(throwsWith([&] { pd::openDataset(g.string(), n); }, "mix of names"));
    // classnames.txt next to the split files maps raw labels to names.
    fs::path root = dir("with-names");
    writeText(root / "train.jsonl", "{\"text\": \"x\", \"label\": 1}\n{\"text\": \"y\", \"label\": 0}\n");
    writeText(root / "classnames.txt", "0 negative\n1 positive\n");
    auto ds2 = pd::openDataset(root.string());
    QCOMPARE(ds2->classNames(), (std::vector<std::string>{"negative", "positive"}));
    QCOMPARE(ds2->items("train")[0].className, std::string("positive"));
    // A missing label column names the file, line and the columns there are.
    fs::path h = dir("map") / "nolabel.csv";
    writeText(h, "text,foo\na,b\n");
    QVERIFY(throwsWith([&] { pd::openDataset(h.string()); }, "nolabel.csv:1: no label column"));
    QVERIFY(throwsWith([&] { pd::openDataset(h.string()); }, "(columns: text, foo)"));
    pd::DatasetOptions lc;
    lc.labelColumn = "stars";
    QVERIFY(throwsWith([&] { pd::openDataset(h.string(), lc); }, "no label column 'stars'"));
  }

  void arffReutersFixture() {
    const std::string f =
        std::string(PD_TEST_DATA) + "/text/datasets/reuters-grain-train-head.arff";
    auto ds = pd::openDataset(f);
    QCOMPARE(ds->kind(), std::string("arff"));
    QCOMPARE(ds->modality(), std::string("text"));
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"0", "1"}));  // class-att {0,1}
    const auto& items = ds->items("train");
    QCOMPARE(items.size(), std::size_t(13));
    QVERIFY(ds->problems().empty());
    QVERIFY(items[0].text.rfind("BAHIA COCOA REVIEW Showers continued throughout the week in\nthe "
                                "Bahia cocoa zone",
                                0) == 0);
    QCOMPARE(items[0].id, std::string("reuters-grain-train-head.arff:8"));
    QCOMPARE(items[1].label, 1);  // NATIONAL AVERAGE PRICES FOR FARMER-OWNED RESERVE
    auto info = ds->info();
    QCOMPARE(info.splits[0].perClass, (std::vector<std::int64_t>{10, 3}));
    // Mapped to names.
    pd::DatasetOptions o;
    o.labelNames = {"0=other", "1=grain"};
    QCOMPARE(pd::openDataset(f, o)->items("train")[1].className, std::string("grain"));
  }

  void arffProblems() {
    fs::path root = dir("arff");
    writeText(root / "train.arff",
              "% comment\n@RELATION 'toy set'\n\n@ATTRIBUTE 'doc id' NUMERIC\n"
              "@attribute Text string\n@attribute class {neg, pos, 'very pos'}\n@data\n"
              "1,'it\\'s \\\"fine\\\"\\nreally',pos\n"
              "2, \"plain\" , 'very pos'\n"
              "3,'a',?\n"
              "4,'b',meh\n"
              "5,'c'\n"
              "6,'unterminated,neg\n"
              "x,'d',neg\n"
              "{0 7, 1 'sparse', 2 neg}\n"
              "8,'e',neg\n");
    writeText(root / "test.arff",
              "@relation t\n@attribute text string\n@attribute class {neg,pos,'very pos'}\n@data\n"
              "'t1',neg\n");
    writeText(root / "classnames.txt", "neg negative\npos positive\n");  // no 'very pos'
    QVERIFY(throwsWith([&] { pd::openDataset(root.string()); }, "refused"));
    pd::DatasetOptions o;
    o.inspect = true;
    o.classNamesFile = (root / "none.txt").string();
    QVERIFY(throwsWith([&] { pd::openDataset(root.string(), o); }, "none.txt"));
    o.classNamesFile.clear();
    fs::remove(root / "classnames.txt");
    auto ds = pd::openDataset(root.string(), o);
    QCOMPARE(ds->kind(), std::string("arff"));
    QCOMPARE(ds->splitNames(), (std::vector<std::string>{"train", "test"}));
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"neg", "pos", "very pos"}));
    const auto& items = ds->items("train");
    QCOMPARE(items.size(), std::size_t(4));
    QCOMPARE(items[0].text, std::string("it's \"fine\"\nreally"));
    QCOMPARE(items[0].className, std::string("pos"));
    QCOMPARE(items[1].text, std::string("plain"));
    QCOMPARE(items[1].label, 2);
    QCOMPARE(items[2].text, std::string("sparse"));
    QCOMPARE(ds->items("test").size(), std::size_t(1));
    QCOMPARE(countProblems(*ds, "missing-label"), 1);  // '?'
    QCOMPARE(countProblems(*ds, "unknown-label"), 1);  // meh
    QCOMPARE(countProblems(*ds, "bad-row"), 3);        // 2 values, unterminated quote, x not numeric
    std::set<std::string> wheres;
    for (auto& p : ds->problems()) wheres.insert(p.kind + " " + p.where);
    const std::string t = (root / "train.arff").string();
    QVERIFY(wheres.count("missing-label " + t + ":10"));
    QVERIFY(wheres.count("unknown-label " + t + ":11"));
    QVERIFY(wheres.count("bad-row " + t + ":12"));
    QVERIFY(wheres.count("bad-row " + t + ":13"));
    QVERIFY(wheres.count("bad-row " + t + ":14"));
    // Header errors throw, naming the file and line.
    fs::path bad = dir("arff-bad") / "x.arff";
    writeText(bad, "@relation r\n@attribute a blob\n@data\n");
    QVERIFY(throwsWith([&] { pd::openDataset(bad.string()); }, "x.arff:2: attribute 'a': unknown type"));
    writeText(bad, "@relation r\n@attribute a {x, y\n@data\n");
    QVERIFY(throwsWith([&] { pd::openDataset(bad.string()); }, "x.arff:2"));
    writeText(bad, "@relation r\n@attribute a string\n");
    QVERIFY(throwsWith([&] { pd::openDataset(bad.string()); }, "no @data"));
    writeText(bad, "@relation r\n@attribute a string\n@attribute b numeric\n@data\n'q',1\n");
    QVERIFY(throwsWith([&] { pd::openDataset(bad.string()); }, "no label column"));
  }

  void installedDatasetNames() {
    const QByteArray old = qgetenv("PROMPTDESK_DATA");
    fs::path data = dir("data-folder");
    writeText(data / "datasets/text/toy-sentiment/train.jsonl",
              "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"bad\", \"label\": 0}\n");
    writeText(data / "datasets/text/toy-sentiment/classnames.txt", "0 negative\n1 positive\n");
    qputenv("PROMPTDESK_DATA", QByteArray::fromStdString(data.string()));
    auto ds = pd::openDataset("toy-sentiment");
    QCOMPARE(ds->name(), std::string("toy-sentiment"));
    QCOMPARE(ds->classNames(), (std::vector<std::string>{"negative", "positive"}));
    QCOMPARE(pd::resolveInstalledDataset("toy-sentiment"),
             (data / "datasets/text/toy-sentiment").string());
    QVERIFY(throwsWith([&] { pd::openDataset("no-such-set"); }, "installed: toy-sentiment"));
    QVERIFY(pd::resolveInstalledDataset("../etc").empty());
    if (old.isNull())
      qunsetenv("PROMPTDESK_DATA");
    else
      qputenv("PROMPTDESK_DATA", old);
  }

  void specErrors() {
    QVERIFY(throwsWith([&] { pd::openDataset(dir("nothing-here").string()); }, "no such file"));
    QVERIFY(
        throwsWith([&] { pd::openDataset("weird:" + dir("x").string()); }, "unknown dataset kind"));
    writeText(dir("odd.bin"), "x");
    QVERIFY(throwsWith([&] { pd::openDataset(dir("odd.bin").string()); }, "kind:path"));
    fs::create_directories(dir("no-classes"));
    QVERIFY(throwsWith([&] { pd::openDataset(dir("no-classes").string()); }, "no class folders"));
  }
};

QTEST_GUILESS_MAIN(TestDatasets)
#include "test_datasets.moc"
