// safetensors: round trip of every dtype, and hand-built malformed files that must fail cleanly.
#include "io/safetensors.h"

#include <QtTest/QtTest>

#include <cstdint>
#include <fstream>
#include <string>

#include "promptdesk/error.h"

namespace {

std::string le64(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A file: 8-byte length of `header`, `header`, `data`.
std::string build(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

void writeFile(const QString& path, const std::string& bytes) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Expects readSafetensors(file) and readSafetensorsBytes to throw pd::Error whose message contains
// every string in `needles` (the file name is always required).
void expectError(const QTemporaryDir& dir, const char* name, const std::string& bytes,
                 std::vector<std::string> needles) {
  const QString path = dir.filePath(name);
  writeFile(path, bytes);
  needles.push_back(name);
  for (int variant = 0; variant < 2; ++variant) {
    try {
      if (variant == 0)
        pd::io::readSafetensors(path.toStdString());
      else
        pd::io::readSafetensorsBytes(bytes, path.toStdString());
      QFAIL(qPrintable(QString("no error for %1").arg(name)));
    } catch (const pd::Error& e) {
      const std::string msg = e.what();
      for (const auto& n : needles)
        QVERIFY2(msg.find(n) != std::string::npos,
                 qPrintable(QString("'%1' lacks '%2'").arg(msg.c_str(), n.c_str())));
    }
  }
}

const std::string kFloats16(16, '\x01');  // 16 data bytes: four float32

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void roundTripEveryDtype() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    std::map<std::string, at::Tensor> in;
    in["f32"] = at::randn({3, 4});
    in["f64"] = at::randn({2, 2}, at::kDouble);
    in["i64"] = at::arange(-5, 7, at::kLong).reshape({3, 4});
    in["i32"] = at::arange(-3, 3, at::kInt);
    in["i16"] = at::arange(-3, 3, at::kShort);
    in["i8"] = at::arange(-3, 3, at::kChar);
    in["u8"] = at::arange(0, 250, 7, at::kByte);
    in["bool"] = at::tensor({1, 0, 1}, at::kInt).to(at::kBool);
    in["f16"] = at::randn({5}).to(at::kHalf);
    in["bf16"] = at::randn({2, 3}).to(at::kBFloat16);
    in["scalar"] = at::scalar_tensor(2.5);
    in["empty"] = at::empty({0, 3});
    in["strided"] = at::randn({4, 6}).t();  // non-contiguous input
    const std::string path = dir.filePath("all.safetensors").toStdString();
    pd::io::writeSafetensors(path, in, {{"format", "pt"}, {"note", "hi"}});

    std::ifstream f(path, std::ios::binary);
    char len[8];
    f.read(len, 8);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(len[i]);
    QCOMPARE(n % 8, std::uint64_t(0));

    pd::io::StateDict sd = pd::io::readSafetensors(path);
    QCOMPARE(sd.tensors.size(), in.size());
    QCOMPARE(sd.metadata.at("note"), std::string("hi"));
    QCOMPARE(sd.source, path);
    for (const auto& [k, t] : in) {
      const at::Tensor& got = sd.at(k);
      QVERIFY2(got.sizes() == t.sizes(), k.c_str());
      if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) {
        QCOMPARE(got.scalar_type(), at::kFloat);
        QVERIFY2(at::equal(got, t.to(at::kFloat)), k.c_str());
      } else {
        QCOMPARE(got.scalar_type(), t.scalar_type());
        QVERIFY2(at::equal(got, t), k.c_str());
      }
    }
    // No temp files left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
  }

  void readsHandBuiltFile() {
    // 2x2 float32 [1,2,3,4] and one int64 7, as a reference writer lays them out.
    std::string data;
    const float v[] = {1.f, 2.f, 3.f, 4.f};
    data.append(reinterpret_cast<const char*>(v), 16);
    const std::int64_t seven = 7;
    data.append(reinterpret_cast<const char*>(&seven), 8);
    const std::string header =
        R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
        R"("b":{"dtype":"I64","shape":[],"data_offsets":[16,24]},"__metadata__":{"format":"pt"}})";
    pd::io::StateDict sd = pd::io::readSafetensorsBytes(build(header, data), "mem");
    QCOMPARE(sd.at("a").sum().item<float>(), 10.f);
    QCOMPARE(sd.at("b").dim(), 0);
    QCOMPARE(sd.at("b").item<std::int64_t>(), std::int64_t(7));
    QCOMPARE(sd.metadata.at("format"), std::string("pt"));
  }

  void rejectsMalformedFiles() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string t = R"("w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]})";
    expectError(dir, "tiny.safetensors", "abc", {"too short"});
    expectError(dir, "huge-header.safetensors", le64(1ull << 60) + "{}", {"header length"});
    expectError(dir, "past-end.safetensors", le64(1000) + "{}", {"past the end"});
    expectError(dir, "badjson.safetensors", build("{\"w\": [", kFloats16), {"not valid JSON"});
    expectError(dir, "array.safetensors", build("[1,2]", ""), {"not a JSON object"});
    expectError(dir, "dupkey.safetensors", build("{" + t + "," + t + "}", kFloats16),
                {"'w'", "twice"});
    expectError(dir, "dtype.safetensors",
                build(R"({"w":{"dtype":"F8","shape":[4],"data_offsets":[0,16]}})", kFloats16),
                {"'w'", "unknown dtype"});
    expectError(dir, "negdim.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", kFloats16),
                {"'w'", "negative"});
    expectError(
        dir, "shapeoverflow.safetensors",
        build(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})",
              kFloats16),
        {"'w'", "int64"});
    expectError(dir, "bytesoverflow.safetensors",
                build(R"({"w":{"dtype":"F64","shape":[2305843009213693952],)"
                      R"("data_offsets":[0,16]}})",
                      kFloats16),
                {"'w'", "too large"});
    expectError(dir, "offsets-kind.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0.5,16]}})", kFloats16),
                {"'w'", "data_offsets"});
    expectError(dir, "offsets-three.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16,32]}})", kFloats16),
                {"'w'", "data_offsets"});
    expectError(dir, "offsets-reversed.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}})", kFloats16),
                {"'w'", "begin 16 > end 0"});
    expectError(dir, "offsets-overflow.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[4],)"
                      R"("data_offsets":[18446744073709551608,18446744073709551615]}})",
                      kFloats16),
                {"'w'", "past the data section"});
    expectError(dir, "offsets-huge.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,1152921504606846976]}})",
                      kFloats16),
                {"'w'", "past the data section"});
    expectError(dir, "wrong-length.safetensors",
                build(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", kFloats16),
                {"'w'", "needs 12"});
    expectError(dir, "overlap.safetensors",
                build(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                      kFloats16),
                {"'b'", "overlap", "'a'"});
    expectError(dir, "truncated.safetensors",
                build("{" + t + "}", kFloats16).substr(0, 8 + t.size() + 2 + 10),
                {"'w'", "past the data section"});
    expectError(dir, "metadata.safetensors", build(R"({"__metadata__":{"format":3}})", ""),
                {"__metadata__", "format"});
    expectError(dir, "metadata-kind.safetensors", build(R"({"__metadata__":[1]})", ""),
                {"__metadata__"});
    expectError(dir, "entry-kind.safetensors", build(R"({"w":5})", ""), {"'w'"});
    expectError(dir, "noshape.safetensors",
                build(R"({"w":{"dtype":"F32","data_offsets":[0,16]}})", kFloats16),
                {"'w'", "shape"});
  }

  void neverCrashesOnMutatedBytes() {
    // Flip bytes of a valid file's header one at a time: every result is either a clean read or
    // a pd::Error (this runs under the sanitizer builds too).
    std::map<std::string, at::Tensor> in{{"a", at::randn({3})}, {"b", at::arange(4)}};
    QTemporaryDir dir;
    const std::string path = dir.filePath("ok.safetensors").toStdString();
    pd::io::writeSafetensors(path, in);
    std::ifstream f(path, std::ios::binary);
    const std::string good((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    int errors = 0, reads = 0;
    const char subs[] = {'0', '9', '-', '"', '}', ',', ']', 'x', '\0', '\xff'};
    for (std::size_t i = 0; i < good.size() && i < 200; ++i) {
      for (char c : subs) {
        std::string bad = good;
        bad[i] = c;
        try {
          pd::io::readSafetensorsBytes(bad, "mutant");
          ++reads;
        } catch (const pd::Error&) {
          ++errors;
        }
      }
      try {  // truncations too
        pd::io::readSafetensorsBytes(good.substr(0, i), "cut");
        ++reads;
      } catch (const pd::Error&) {
        ++errors;
      }
    }
    QVERIFY(errors > 100);
    QVERIFY(reads > 0);
  }

  void missingFileIsAnError() {
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::io::readSafetensors("/nonexistent/x.safetensors"));
  }

  void writeRejectsUnsupportedDtype() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("c.safetensors").toStdString();
    std::map<std::string, at::Tensor> in{{"c", at::randn({2}, at::kComplexFloat)}};
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::io::writeSafetensors(path, in));
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
