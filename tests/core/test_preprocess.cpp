// Image decoding and CLIP preprocessing: fixtures vs the reference (PIL 9.4), PNG variants, EXIF
// orientation, in-memory pixels, and bad inputs (not an image, truncated, absurd header size).
#include "data/clip_preprocess.h"
#include "data/image_decode.h"

#include <QtTest/QtTest>

#include <png.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <fstream>

#include <nlohmann/json.hpp>

#include "mini_safetensors.h"
#include "promptdesk/error.h"
#include "promptdesk/image.h"

namespace {
std::string dataFile(const std::string& rel) {
  return std::string(PD_TEST_DATA) + "/clip-preprocess/" + rel;
}

std::vector<uint8_t> readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

void writeAll(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void putBe32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
}

void appendChunk(std::vector<uint8_t>& png, const char* type, const std::vector<uint8_t>& data) {
  putBe32(png, uint32_t(data.size()));
  size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  uint32_t crc = uint32_t(crc32(0, png.data() + start, uInt(png.size() - start)));
  putBe32(png, crc);
}

// Writes a PNG with libpng: rows of packed samples as libpng expects them.
void writePng(const std::string& path, int w, int h, int colorType, int depth,
              const std::vector<uint8_t>& packed, const std::vector<png_color>& palette = {},
              const std::vector<uint8_t>& trns = {}) {
  FILE* f = std::fopen(path.c_str(), "wb");
  QVERIFY(f);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_set_IHDR(png, info, png_uint_32(w), png_uint_32(h), depth, colorType, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), int(palette.size()));
  if (!trns.empty()) png_set_tRNS(png, info, trns.data(), int(trns.size()), nullptr);
  png_write_info(png, info);
  size_t stride = packed.size() / size_t(h);
  for (int y = 0; y < h; ++y) png_write_row(png, packed.data() + stride * size_t(y));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

// An APP1 Exif segment holding only an orientation tag.
std::vector<uint8_t> exifSegment(int orientation, bool littleEndian) {
  std::vector<uint8_t> t;
  auto u16 = [&](uint32_t v) {
    if (littleEndian) {
      t.push_back(uint8_t(v));
      t.push_back(uint8_t(v >> 8));
    } else {
      t.push_back(uint8_t(v >> 8));
      t.push_back(uint8_t(v));
    }
  };
  auto u32 = [&](uint32_t v) {
    if (littleEndian) {
      u16(v & 0xFFFF);
      u16(v >> 16);
    } else {
      u16(v >> 16);
      u16(v & 0xFFFF);
    }
  };
  t = {'E', 'x', 'i', 'f', 0, 0};
  t.push_back(littleEndian ? 'I' : 'M');
  t.push_back(littleEndian ? 'I' : 'M');
  u16(42);
  u32(8);
  u16(1);       // one entry
  u16(0x0112);  // orientation
  u16(3);       // SHORT
  u32(1);
  u16(uint32_t(orientation));
  u16(0);
  u32(0);  // no next IFD
  return t;
}
// A progressive JPEG (libjpeg's simple progression, optimised Huffman tables) of a flat w x h
// RGB image: the most compressible real progressive file there is.
void writeFlatProgressiveJpeg(const std::string& path, int w, int h, uint8_t value) {
  FILE* f = std::fopen(path.c_str(), "wb");
  QVERIFY(f);
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = JDIMENSION(w);
  c.image_height = JDIMENSION(h);
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  std::vector<uint8_t> row(size_t(w) * 3, value);
  while (c.next_scanline < c.image_height) {
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::fclose(f);
}

}  // namespace

class TestPreprocess : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

  std::string tmpFile(const char* name) { return tmp_.filePath(name).toStdString(); }

 private Q_SLOTS:
  void matchesReferenceFixtures() {
    std::ifstream in(dataFile("expected.json"));
    QVERIFY(in.good());
    auto spec = nlohmann::json::parse(in);
    for (int c = 0; c < 3; ++c) {
      QVERIFY(std::abs(spec["mean"][c].get<float>() - pd::kClipMean[c]) < 1e-7f);
      QVERIFY(std::abs(spec["std"][c].get<float>() - pd::kClipStd[c]) < 1e-7f);
    }
    int checked = 0;
    for (const auto& cs : spec["cases"]) {
      const std::string file = cs["file"], name = cs["tensor"];
      const int nPx = cs["n_px"];
      auto ref = pdtest::readSafetensor(dataFile("expected.safetensors"), name);
      QCOMPARE(ref.shape, (std::vector<int64_t>{3, nPx, nPx}));
      auto want = ref.as<float>();
      at::Tensor got = pd::data::clipPreprocessFile(dataFile(file), nPx);
      QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{3, nPx, nPx}));
      at::Tensor w = at::from_blob(want.data(), {3, nPx, nPx}, at::kFloat);
      at::Tensor d = (got - w).abs();
      double mean = d.mean().item<double>(), max = d.max().item<double>();
      qInfo("%-14s n_px=%3d  mean|diff|=%.5f  max|diff|=%.5f (normalised units)", file.c_str(), nPx,
            mean, max);
      QVERIFY2(mean < 0.02,
               qPrintable(QString("%1 @%2: mean %3").arg(file.c_str()).arg(nPx).arg(mean)));
      QVERIFY2(max < 0.25,
               qPrintable(QString("%1 @%2: max %3").arg(file.c_str()).arg(nPx).arg(max)));
      // The public torch-free function gives the same numbers.
      auto flat = pd::preprocessImageFileForClip(dataFile(file), nPx);
      QCOMPARE(flat.size(), size_t(3 * nPx * nPx));
      QVERIFY(std::memcmp(flat.data(), got.data_ptr<float>(), flat.size() * 4) == 0);
      ++checked;
    }
    QCOMPARE(checked, 10);
  }

  void probesHeaders() {
    auto j = pd::probeImage(dataFile("landscape.jpg"));
    QCOMPARE(j.format, std::string("jpeg"));
    QCOMPARE(j.width, 300);
    QCOMPARE(j.height, 200);
    QCOMPARE(j.channels, 3);
    QCOMPARE(j.bitDepth, 8);
    auto a = pd::probeImage(dataFile("alpha.png"));
    QCOMPARE(a.format, std::string("png"));
    QCOMPARE(a.width, 50);
    QCOMPARE(a.height, 80);
    QCOMPARE(a.channels, 4);
    auto g = pd::probeImage(dataFile("grey.png"));
    QCOMPARE(g.channels, 1);
    QCOMPARE(g.width, 120);
  }

  void inMemoryPixels() {
    // Fashion-MNIST-like 28x28 grey.
    std::vector<uint8_t> px(28 * 28);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t((i * 37) % 256);
    auto v = pd::preprocessPixelsForClip(px.data(), 28, 28, 1, 32);
    QCOMPARE(v.size(), size_t(3 * 32 * 32));
    // Grey: the three channels differ only by the normalisation.
    for (size_t i = 0; i < 32 * 32; ++i) {
      float g0 = v[i] * pd::kClipStd[0] + pd::kClipMean[0];
      float g2 = v[2 * 32 * 32 + i] * pd::kClipStd[2] + pd::kClipMean[2];
      QVERIFY(std::abs(g0 - g2) < 1e-5f);
    }
    // The decoded pixels of a file, passed in memory, give the file's result.
    auto img = pd::data::decodeImageFile(dataFile("grey.png"));
    at::Tensor t = at::from_blob(img.pixels.data(), {img.height, img.width}, at::kByte);
    at::Tensor fromMem = pd::data::clipPreprocessPixels(t, 32);
    at::Tensor fromFile = pd::data::clipPreprocessFile(dataFile("grey.png"), 32);
    QVERIFY(at::equal(fromMem, fromFile));
    auto rgb = pd::data::decodeImageFile(dataFile("portrait.png"));
    QCOMPARE(rgb.channels, 3);
    auto v2 = pd::preprocessPixelsForClip(rgb.pixels.data(), rgb.height, rgb.width, 3, 224);
    at::Tensor f2 = pd::data::clipPreprocessFile(dataFile("portrait.png"), 224);
    QVERIFY(std::memcmp(v2.data(), f2.data_ptr<float>(), v2.size() * 4) == 0);
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::preprocessPixelsForClip(px.data(), 28, 28, 5, 32));
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::preprocessPixelsForClip(nullptr, 28, 28, 1, 32));
  }

  void centreCropAndResizeRule() {
    // 10x4 (w x h) -> short side 4 stays, crop offsets round((10-4)/2) = 3.
    pd::data::DecodedImage img;
    img.width = 10;
    img.height = 4;
    img.channels = 1;
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 10; ++x) img.pixels.push_back(uint8_t(x * 20 + y));
    at::Tensor t = pd::data::clipPreprocess(img, 4);
    float px = t[0][0][0].item<float>() * pd::kClipStd[0] + pd::kClipMean[0];
    QVERIFY(std::abs(px * 255.0f - 60.0f) < 1e-3f);
    // 9 wide: (9-4)/2 = 2.5 rounds half to even -> 2.
    img.width = 9;
    img.pixels.clear();
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 9; ++x) img.pixels.push_back(uint8_t(x * 20 + y));
    t = pd::data::clipPreprocess(img, 4);
    px = t[0][0][0].item<float>() * pd::kClipStd[0] + pd::kClipMean[0];
    QVERIFY(std::abs(px * 255.0f - 40.0f) < 1e-3f);
    // Long side = int(n * long / short): 300x200 at 224 -> 336x224.
    pd::data::DecodedImage big;
    big.width = 301;
    big.height = 200;
    big.channels = 3;
    big.pixels.assign(size_t(301) * 200 * 3, 128);
    auto r = pd::data::resizeShortSide(big, 224);
    QCOMPARE(r.height, 224);
    QCOMPARE(r.width, 337);  // 224 * 301 / 200 = 337.12
    QCOMPARE(int(r.pixels[1000]), 128);
  }

  void pngVariants() {
    QVERIFY(tmp_.isValid());
    const int w = 6, h = 4;
    // Palette with tRNS: RGB from the palette, alpha ignored, NEAREST resize.
    std::vector<png_color> pal = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
    std::vector<uint8_t> idx(w * h);
    for (int i = 0; i < w * h; ++i) idx[size_t(i)] = uint8_t(i % 3);
    writePng(tmpFile("pal.png"), w, h, PNG_COLOR_TYPE_PALETTE, 8, idx, pal, {0, 128, 255});
    auto p = pd::data::decodeImageFile(tmpFile("pal.png"));
    QCOMPARE(p.channels, 3);
    QVERIFY(p.nearestResample);
    QCOMPARE(int(p.pixels[0]), 255);
    QCOMPARE(int(p.pixels[4]), 255);  // pixel 1 is green
    QCOMPARE(pd::probeImage(tmpFile("pal.png")).channels, 3);
    auto pt = pd::data::clipPreprocessFile(tmpFile("pal.png"), 8);
    // NEAREST keeps pure palette colours: every value is one of two normalised levels per channel.
    for (int c = 0; c < 3; ++c) {
      at::Tensor u = std::get<0>(at::_unique(pt[c]));
      QVERIFY(u.numel() <= 2);
    }
    // Grey + alpha: L plus alpha, alpha dropped.
    std::vector<uint8_t> la;
    for (int i = 0; i < w * h; ++i) {
      la.push_back(uint8_t(i * 10));
      la.push_back(255);
    }
    writePng(tmpFile("la.png"), w, h, PNG_COLOR_TYPE_GRAY_ALPHA, 8, la);
    auto lai = pd::data::decodeImageFile(tmpFile("la.png"));
    QCOMPARE(lai.channels, 2);
    QCOMPARE(int(lai.pixels[2 * 5]), 50);
    QCOMPARE(pd::data::clipPreprocessFile(tmpFile("la.png"), 16).size(0), 3);
    // 16-bit RGB: high byte.
    std::vector<uint8_t> rgb16;
    for (int i = 0; i < w * h * 3; ++i) {
      rgb16.push_back(uint8_t(0x12 + i));
      rgb16.push_back(0xFF);
    }
    writePng(tmpFile("rgb16.png"), w, h, PNG_COLOR_TYPE_RGB, 16, rgb16);
    auto r16 = pd::data::decodeImageFile(tmpFile("rgb16.png"));
    QCOMPARE(r16.channels, 3);
    QCOMPARE(int(r16.pixels[0]), 0x12);
    QCOMPARE(int(r16.pixels[5]), 0x17);
    QCOMPARE(pd::probeImage(tmpFile("rgb16.png")).bitDepth, 16);
    // 16-bit grey: clipped to 0..255 as PIL's I -> RGB.
    std::vector<uint8_t> g16;
    for (int i = 0; i < w * h; ++i) {
      unsigned v = i == 0 ? 200u : 40000u;
      g16.push_back(uint8_t(v >> 8));
      g16.push_back(uint8_t(v & 0xFF));
    }
    writePng(tmpFile("g16.png"), w, h, PNG_COLOR_TYPE_GRAY, 16, g16);
    auto gi = pd::data::decodeImageFile(tmpFile("g16.png"));
    QCOMPARE(gi.channels, 1);
    QCOMPARE(int(gi.pixels[0]), 200);
    QCOMPARE(int(gi.pixels[1]), 255);
    // 1-bit grey: 0/255 and NEAREST.
    std::vector<uint8_t> bits(size_t(h), 0xA0);  // 1,0,1,0,0,0 per row
    writePng(tmpFile("g1.png"), w, h, PNG_COLOR_TYPE_GRAY, 1, bits);
    auto b1 = pd::data::decodeImageFile(tmpFile("g1.png"));
    QCOMPARE(b1.channels, 1);
    QVERIFY(b1.nearestResample);
    QCOMPARE(int(b1.pixels[0]), 255);
    QCOMPARE(int(b1.pixels[1]), 0);
    // RGBA: fully transparent pixels' colour does not leak as in PIL's premultiplied resize.
    std::vector<uint8_t> rgba;
    for (int i = 0; i < w * h; ++i) {
      bool opaque = (i % w) < 3;
      rgba.insert(rgba.end(), {uint8_t(opaque ? 10 : 250), 20, 30, uint8_t(opaque ? 255 : 0)});
    }
    writePng(tmpFile("rgba.png"), w, h, PNG_COLOR_TYPE_RGBA, 8, rgba);
    auto ri = pd::data::decodeImageFile(tmpFile("rgba.png"));
    QCOMPARE(ri.channels, 4);
    auto rr = pd::data::resizeShortSide(ri, 8);  // 12x8, premultiplied resize
    QCOMPARE(rr.width, 12);
    QVERIFY(rr.pixels[0] <= 12);  // left part stays ~10, not blended towards 250
  }

  void exifOrientation() {
    QCOMPARE(pd::data::exifOrientation(nullptr, 0), 1);
    for (bool le : {true, false})
      for (int o = 1; o <= 8; ++o) {
        auto seg = exifSegment(o, le);
        QCOMPARE(pd::data::exifOrientation(seg.data(), seg.size()), o);
        // Every truncation is handled (no read past the end) and gives 1 or the value.
        for (size_t n = 0; n < seg.size(); ++n) {
          std::vector<uint8_t> cut(seg.begin(), seg.begin() + long(n));
          int v = pd::data::exifOrientation(cut.data(), cut.size());
          QVERIFY(v == 1 || v == o);
        }
      }
    auto bad = exifSegment(6, true);
    bad[10] = 0xFF;  // IFD offset far outside
    bad[11] = 0xFF;
    QCOMPARE(pd::data::exifOrientation(bad.data(), bad.size()), 1);

    // 3x2 image, values 0..5 row-major: rotations as PIL's exif_transpose.
    pd::data::DecodedImage img;
    img.width = 3;
    img.height = 2;
    img.channels = 1;
    img.pixels = {0, 1, 2, 3, 4, 5};
    auto r6 = pd::data::applyExifOrientation(img, 6);  // rotate 90 clockwise
    QCOMPARE(r6.width, 2);
    QCOMPARE(r6.height, 3);
    QCOMPARE(r6.pixels, (std::vector<uint8_t>{3, 0, 4, 1, 5, 2}));
    auto r8 = pd::data::applyExifOrientation(img, 8);
    QCOMPARE(r8.pixels, (std::vector<uint8_t>{2, 5, 1, 4, 0, 3}));
    auto r3 = pd::data::applyExifOrientation(img, 3);
    QCOMPARE(r3.pixels, (std::vector<uint8_t>{5, 4, 3, 2, 1, 0}));
    auto r2 = pd::data::applyExifOrientation(img, 2);
    QCOMPARE(r2.pixels, (std::vector<uint8_t>{2, 1, 0, 5, 4, 3}));
    auto r5 = pd::data::applyExifOrientation(img, 5);
    QCOMPARE(r5.pixels, (std::vector<uint8_t>{0, 3, 1, 4, 2, 5}));
    auto r7 = pd::data::applyExifOrientation(img, 7);
    QCOMPARE(r7.pixels, (std::vector<uint8_t>{5, 2, 4, 1, 3, 0}));

    // A real JPEG with an Exif segment inserted after SOI is decoded rotated.
    auto jpg = readAll(dataFile("landscape.jpg"));
    auto seg = exifSegment(6, false);
    std::vector<uint8_t> app1 = {0xFF, 0xE1, uint8_t((seg.size() + 2) >> 8),
                                 uint8_t((seg.size() + 2) & 0xFF)};
    app1.insert(app1.end(), seg.begin(), seg.end());
    std::vector<uint8_t> rotated(jpg.begin(), jpg.begin() + 2);
    rotated.insert(rotated.end(), app1.begin(), app1.end());
    rotated.insert(rotated.end(), jpg.begin() + 2, jpg.end());
    writeAll(tmpFile("rot6.jpg"), rotated);
    QCOMPARE(pd::probeImage(tmpFile("rot6.jpg")).exifOrientation, 6);
    auto plain = pd::data::decodeImageFile(dataFile("landscape.jpg"));
    auto rot = pd::data::decodeImageFile(tmpFile("rot6.jpg"));
    QCOMPARE(rot.width, 200);
    QCOMPARE(rot.height, 300);
    QVERIFY(rot.pixels == pd::data::applyExifOrientation(plain, 6).pixels);
    pd::ImageDecodeOptions keep;
    keep.applyExifOrientation = false;
    QVERIFY(pd::data::decodeImageFile(tmpFile("rot6.jpg"), keep).pixels == plain.pixels);
  }

  // Images over 8M samples are resized with the horizontal pass on bands of rows: the result
  // equals one antialiased bicubic call on the whole image (what the reference fixtures were
  // matched with), downscaled and upscaled, and for small images (one call) too.
  void bandedResizeEqualsOneCall() {
    at::manual_seed(3);
    struct Case {
      int w, h, shortSide;
    };
    for (const Case& k : {Case{3000, 1000, 224}, Case{1000, 3001, 224}, Case{1700, 1700, 64},
                          Case{100, 28000, 224}, Case{300, 1000, 224}, Case{28, 28, 224}}) {
      pd::data::DecodedImage img;
      img.width = k.w;
      img.height = k.h;
      img.channels = 3;
      at::Tensor px = at::randint(0, 256, {k.h, k.w, 3}, at::kByte);
      img.pixels.assign(px.data_ptr<uint8_t>(), px.data_ptr<uint8_t>() + px.numel());
      const auto r = pd::data::resizeShortSide(img, k.shortSide);
      at::Tensor whole = px.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat).contiguous();
      at::Tensor ref =
          at::_upsample_bicubic2d_aa(whole, {r.height, r.width}, false, c10::nullopt, c10::nullopt)
              .round_()
              .clamp_(0, 255)
              .to(at::kByte)
              .squeeze(0)
              .permute({1, 2, 0})
              .contiguous();
      at::Tensor got =
          at::from_blob(const_cast<uint8_t*>(r.pixels.data()), {r.height, r.width, 3}, at::kByte);
      const int maxDiff = (got.to(at::kInt) - ref.to(at::kInt)).abs().max().item<int>();
      QVERIFY2(maxDiff == 0, qPrintable(QString("%1x%2 -> short side %3: max difference %4")
                                            .arg(k.w)
                                            .arg(k.h)
                                            .arg(k.shortSide)
                                            .arg(maxDiff)));
    }
  }

  // The file-size bound on progressive JPEGs (>= 1 bit per 8x8 block) leaves real files alone:
  // a flat 2048x2048 progressive JPEG, the most compressible kind, decodes.
  void flatProgressiveJpegDecodes() {
    const std::string path = tmpFile("flat_progressive.jpg");
    writeFlatProgressiveJpeg(path, 2048, 2048, 77);
    const auto bytes = readAll(path);
    std::printf("  flat 2048x2048 progressive JPEG: %zu bytes (bound: >= %d)\n", bytes.size(),
                (2048 * 2048 - 65536) / 1024);
    QCOMPARE(bytes[bytes.size() - 1], uint8_t(0xd9));
    pd::data::DecodedImage img = pd::data::decodeImageFile(path);
    QCOMPARE(img.width, 2048);
    QCOMPARE(img.height, 2048);
    QCOMPARE(img.channels, 3);
    for (size_t i = 0; i < img.pixels.size(); i += 9973) QVERIFY(std::abs(img.pixels[i] - 77) <= 1);
  }

  void rejectsBadInputs() {
    auto expectError = [](const std::string& path, const char* needle) {
      try {
        pd::data::clipPreprocessFile(path, 32);
        QFAIL(qPrintable(QString("no error for ") + path.c_str()));
      } catch (const pd::Error& e) {
        std::string what = e.what();
        qInfo("%s", e.what());
        QVERIFY2(what.find(path) != std::string::npos, e.what());
        QVERIFY2(what.find(needle) != std::string::npos, e.what());
      }
    };
    // A text file named .png.
    std::ofstream(tmpFile("notes.png")) << "this is not an image\n";
    expectError(tmpFile("notes.png"), "not a JPEG or PNG");
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::probeImage(tmpFile("notes.png")));
    std::ofstream(tmpFile("empty.jpg")).flush();
    expectError(tmpFile("empty.jpg"), "empty");
    expectError(tmpFile("missing.jpg"), "not a readable file");
    // Truncated JPEG / PNG.
    auto jpg = readAll(dataFile("landscape.jpg"));
    writeAll(tmpFile("trunc.jpg"),
             std::vector<uint8_t>(jpg.begin(), jpg.begin() + long(jpg.size() / 2)));
    expectError(tmpFile("trunc.jpg"), "JPEG");
    writeAll(tmpFile("header.jpg"), std::vector<uint8_t>(jpg.begin(), jpg.begin() + 40));
    expectError(tmpFile("header.jpg"), "JPEG");
    auto png = readAll(dataFile("portrait.png"));
    writeAll(tmpFile("trunc.png"),
             std::vector<uint8_t>(png.begin(), png.begin() + long(png.size() / 2)));
    expectError(tmpFile("trunc.png"), "PNG");
    // Corrupted PNG data (bad CRC inside IDAT).
    auto corrupt = png;
    corrupt[corrupt.size() / 2] ^= 0x5A;
    writeAll(tmpFile("corrupt.png"), corrupt);
    expectError(tmpFile("corrupt.png"), "PNG");
    // A PNG whose IHDR claims 100000 x 100000: refused from the header, before allocating.
    std::vector<uint8_t> huge = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    std::vector<uint8_t> ihdr;
    putBe32(ihdr, 100000);
    putBe32(ihdr, 100000);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    appendChunk(huge, "IHDR", ihdr);
    appendChunk(huge, "IDAT", {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    appendChunk(huge, "IEND", {});
    writeAll(tmpFile("huge.png"), huge);
    auto info = pd::probeImage(tmpFile("huge.png"));
    QCOMPARE(info.width, 100000);
    QCOMPARE(info.height, 100000);
    expectError(tmpFile("huge.png"), "more pixels than the limit");
    // The limit is configurable: a small one refuses the JPEG fixture.
    pd::ImageDecodeOptions small;
    small.maxPixels = 1000;
    try {
      pd::preprocessImageFileForClip(dataFile("landscape.jpg"), 32, small);
      QFAIL("no error for a JPEG over the pixel limit");
    } catch (const pd::Error& e) {
      QVERIFY2(std::string(e.what()).find("300x200") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestPreprocess)
#include "test_preprocess.moc"
