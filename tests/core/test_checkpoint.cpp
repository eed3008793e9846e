// Checkpoint readers: the same CLIP weights through every supported format give the same tensors.
#include "io/checkpoint.h"
#include "io/hf_clip.h"
#include "io/safetensors.h"
#include "io/sha256.h"
#include "io/torchscript_archive.h"

#include <QtTest/QtTest>

#include <fstream>
#include <string>

#include "promptdesk/checkpoint.h"
#include "promptdesk/error.h"

namespace {

std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/" + rel; }

// Same keys, dtypes, shapes and values (exactly, or within `rtol` relative + 1e-7 absolute).
void expectSame(const pd::io::StateDict& a, const pd::io::StateDict& b, double rtol = 0) {
  QStringList onlyA, onlyB;
  for (const auto& kv : a.tensors)
    if (!b.has(kv.first)) onlyA << QString::fromStdString(kv.first);
  for (const auto& kv : b.tensors)
    if (!a.has(kv.first)) onlyB << QString::fromStdString(kv.first);
  QVERIFY2(onlyA.isEmpty() && onlyB.isEmpty(),
           qPrintable("only in " + QString::fromStdString(a.source) + ": " + onlyA.join(", ") +
                      "; only in " + QString::fromStdString(b.source) + ": " + onlyB.join(", ")));
  for (const auto& [k, ta] : a.tensors) {
    const at::Tensor& tb = b.at(k);
    QVERIFY2(ta.scalar_type() == tb.scalar_type(), k.c_str());
    QVERIFY2(ta.sizes() == tb.sizes(), k.c_str());
    if (rtol == 0)
      QVERIFY2(at::equal(ta, tb), k.c_str());
    else
      QVERIFY2(at::allclose(ta, tb, rtol, 1e-7), k.c_str());
  }
}

std::uint32_t crc32(const std::string& s) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// A valid zip archive (stored, one member) that is not a TorchScript archive.
std::string makeZip(const std::string& member, const std::string& body) {
  auto le = [](std::uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return s;
  };
  const std::uint32_t crc = crc32(body);
  std::string local = "PK\x03\x04" + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                      le(crc, 4) + le(body.size(), 4) + le(body.size(), 4) + le(member.size(), 2) +
                      le(0, 2) + member + body;
  std::string central = "PK\x01\x02" + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                        le(0, 2) + le(crc, 4) + le(body.size(), 4) + le(body.size(), 4) +
                        le(member.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                        le(0, 4) + le(0, 4) + member;
  std::string end = "PK\x05\x06" + le(0, 2) + le(0, 2) + le(1, 2) + le(1, 2) +
                    le(central.size(), 4) + le(local.size(), 4) + le(0, 2);
  return local + central + end;
}

void writeFile(const QString& path, const std::string& bytes) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void expectErrorMentions(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
    QFAIL("no error");
  } catch (const pd::Error& e) {
    const std::string msg = e.what();
    for (const auto& n : needles)
      QVERIFY2(msg.find(n) != std::string::npos,
               qPrintable(QString("'%1' lacks '%2'").arg(msg.c_str(), n.c_str())));
  }
}

}  // namespace

class TestCheckpoint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void vitThreeFormatsIdentical() {
    auto st = pd::io::readCheckpoint(data("clip-tiny-vit/model.safetensors"));
    auto pt = pd::io::readCheckpoint(data("clip-tiny-vit/openai-jit.pt"));
    auto hf = pd::io::readCheckpoint(data("clip-tiny-vit-hf"));
    QCOMPARE(st.format, std::string("safetensors"));
    QCOMPARE(pt.format, std::string("openai-torchscript"));
    QCOMPARE(hf.format, std::string("hf-folder"));
    QCOMPARE(st.weights.tensors.size(), std::size_t(62));
    expectSame(st.weights, pt.weights);
    expectSame(st.weights, hf.weights);
    // The HF weight file on its own (keys recognised and mapped too).
    auto hfFile = pd::io::readCheckpoint(data("clip-tiny-vit-hf/model.safetensors"));
    expectSame(st.weights, hfFile.weights);
    // Configs found beside the files / in the folder.
    QCOMPARE(st.config.value("embed_dim", 0), 32);
    QCOMPARE(pt.config.value("vision_width", 0), 64);
    QCOMPARE(hf.config.value("model_type", std::string()), std::string("clip"));
    // TorchScript scalar buffers go to metadata, not tensors.
    QCOMPARE(pt.weights.metadata.at("input_resolution"), std::string("32"));
    QCOMPARE(pt.weights.metadata.at("context_length"), std::string("77"));
    QCOMPARE(pt.weights.metadata.at("vocab_size"), std::string("49408"));
  }

  void contentHashIsSha256OfTheWeightFile() {
    auto st = pd::io::readCheckpoint(data("clip-tiny-vit/model.safetensors"));
    QCOMPARE(st.contentHash,
             std::string("f0dbdf27f50ef6c6f4a2dbc42dd4ee3e1a8866090444f704bdceedcee09c7410"));
    auto hf = pd::io::readCheckpoint(data("clip-tiny-vit-hf"));
    QCOMPARE(hf.contentHash,
             std::string("ade914f314e5ae16b46eaa78137524f4beeb6f2ef90e75dc2d032a6f22ff8561"));
    pd::io::Sha256 empty;
    QCOMPARE(empty.hexDigest(),
             std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    pd::io::Sha256 abc;  // two blocks of input, fed in odd pieces
    const std::string s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    abc.update(s.data(), 5);
    abc.update(s.data() + 5, s.size() - 5);
    QCOMPARE(abc.hexDigest(),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  }

  void hfConfigGivesOpenaiNumbers() {
    auto hf = pd::io::readCheckpoint(data("clip-tiny-vit-hf"));
    auto st = pd::io::readCheckpoint(data("clip-tiny-vit/model.safetensors"));
    nlohmann::json o = pd::io::openaiConfigFromHf(hf.config);
    for (const char* k : {"embed_dim", "image_resolution", "vision_layers", "vision_width",
                          "vision_patch_size", "context_length", "vocab_size", "transformer_width",
                          "transformer_heads", "transformer_layers"})
      QVERIFY2(o.at(k) == st.config.at(k), k);
  }

  void resnetPtAndSafetensorsIdentical() {
    auto st = pd::io::readCheckpoint(data("clip-tiny-rn/model.safetensors"));
    auto pt = pd::io::readCheckpoint(data("clip-tiny-rn/openai-jit.pt"));
    expectSame(st.weights, pt.weights);
    const at::Tensor& n = pt.weights.at("visual.bn1.num_batches_tracked");
    QCOMPARE(n.scalar_type(), at::kLong);
    QCOMPARE(n.dim(), 0);
    QCOMPARE(pt.weights.metadata.at("input_resolution"), std::string("64"));
  }

  void fp16ArchiveUpcastsToFloat32() {
    for (const char* model : {"clip-tiny-vit", "clip-tiny-rn"}) {
      auto st = pd::io::readCheckpoint(data(std::string(model) + "/model.safetensors"));
      auto half = pd::io::readCheckpoint(data(std::string(model) + "/openai-jit-fp16.pt"));
      QCOMPARE(half.format, std::string("openai-torchscript"));
      for (const auto& [k, t] : half.weights.tensors)
        if (t.is_floating_point()) QVERIFY2(t.scalar_type() == at::kFloat, k.c_str());
      expectSame(half.weights, st.weights, 1.0 / 1024);  // fp16: 11-bit significand
      // ...and it really was rounded (so the test can tell fp16 from fp32).
      QVERIFY(
          !at::equal(half.weights.at("visual.conv1.weight"), st.weights.at("visual.conv1.weight")));
    }
  }

  void garbageZipIsClearError() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString zip = dir.filePath("garbage.pt");
    writeFile(zip, makeZip("hello.txt", "not a model\n"));
    expectErrorMentions([&] { pd::io::readCheckpoint(zip.toStdString()); },
                        {"not a TorchScript archive", "garbage.pt"});
    const QString junk = dir.filePath("junk.pt");
    writeFile(junk, std::string("PK\x03\x04", 4) + std::string(300, 'x'));
    expectErrorMentions([&] { pd::io::readTorchScriptArchive(junk.toStdString()); },
                        {"not a TorchScript archive", "junk.pt"});
    const std::string good = readFile(data("clip-tiny-vit/openai-jit.pt"));
    const QString cut = dir.filePath("cut.pt");
    writeFile(cut, good.substr(0, good.size() / 2));
    expectErrorMentions([&] { pd::io::readCheckpoint(cut.toStdString()); },
                        {"not a TorchScript archive", "cut.pt"});
    const QString text = dir.filePath("text.bin");
    writeFile(text, "hello world, certainly not a checkpoint");
    expectErrorMentions([&] { pd::io::readCheckpoint(text.toStdString()); },
                        {"unrecognised checkpoint format", "text.bin"});
    expectErrorMentions([&] { pd::io::readCheckpoint(dir.filePath("none.pt").toStdString()); },
                        {"no such file", "none.pt"});
  }

  void hfUnknownAndIncompleteKeysAreErrors() {
    pd::io::StateDict hf = pd::io::readSafetensors(data("clip-tiny-vit-hf/model.safetensors"));
    pd::io::StateDict extra = hf;
    extra.tensors["vision_model.encoder.layers.0.mystery.weight"] = at::zeros({2});
    extra.tensors["text_model.something_else"] = at::zeros({2});
    expectErrorMentions([&] { pd::io::mapHfClipToOpenai(extra); },
                        {"unknown", "vision_model.encoder.layers.0.mystery.weight",
                         "text_model.something_else", "clip-tiny-vit-hf"});
    pd::io::StateDict missing = hf;
    missing.tensors.erase("text_model.encoder.layers.1.self_attn.k_proj.bias");
    expectErrorMentions([&] { pd::io::mapHfClipToOpenai(missing); },
                        {"transformer.resblocks.1.attn.in_proj_bias"});
    pd::io::StateDict withIds = hf;  // position_ids buffers are dropped silently
    withIds.tensors["text_model.embeddings.position_ids"] = at::arange(77).unsqueeze(0);
    QCOMPARE(pd::io::mapHfClipToOpenai(withIds).tensors.size(), std::size_t(62));
  }

  void publicInspectAndConvert() {
    pd::CheckpointSummary s = pd::inspectCheckpoint(data("clip-tiny-vit-hf"));
    QCOMPARE(s.format, std::string("hf-folder"));
    QCOMPARE(s.tensorCount, std::size_t(62));
    std::int64_t expected = 0;
    auto st = pd::io::readSafetensors(data("clip-tiny-vit/model.safetensors"));
    for (const auto& kv : st.tensors) expected += kv.second.numel();
    QCOMPARE(s.parameterCount, expected);
    QCOMPARE(s.shapes.size(), std::size_t(62));

    QTemporaryDir dir;
    const std::string out = dir.filePath("converted.safetensors").toStdString();
    pd::convertCheckpointToSafetensors(data("clip-tiny-rn/openai-jit-fp16.pt"), out);
    pd::io::StateDict conv = pd::io::readSafetensors(out);
    auto ref = pd::io::readSafetensors(data("clip-tiny-rn/model.safetensors"));
    expectSame(conv, ref, 1.0 / 1024);
    QCOMPARE(conv.metadata.at("source_format"), std::string("openai-torchscript"));
    QCOMPARE(conv.metadata.at("format"), std::string("openai-clip"));
    QCOMPARE(conv.metadata.at("source_file"), std::string("openai-jit-fp16.pt"));
    QCOMPARE(conv.metadata.at("source_sha256").size(), std::size_t(64));
    QCOMPARE(conv.metadata.at("input_resolution"), std::string("64"));

    const std::string out2 = dir.filePath("from-hf.safetensors").toStdString();
    pd::convertCheckpointToSafetensors(data("clip-tiny-vit-hf"), out2);
    pd::io::StateDict conv2 = pd::io::readSafetensors(out2);
    expectSame(conv2, st);
    auto cfg = nlohmann::json::parse(conv2.metadata.at("config"));
    QCOMPARE(cfg.at("vision_width").get<int>(), 64);
  }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
