#include "tokenizers/text_clean.h"

#include <utf8proc.h>

#include <type_traits>

namespace pd::tok {

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0 and `*skip` = the maximal invalid subpart.
int validSequence(const unsigned char* s, size_t n, size_t i, size_t* skip) {
  unsigned char c = s[i];
  *skip = 1;
  if (c < 0x80) return 1;
  int len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int k = 1; k < len; ++k) {
    if (i + k >= n) {
      *skip = k;
      return 0;
    }
    unsigned char t = s[i + k];
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (t < l || t > h) {
      *skip = k;
      return 0;
    }
  }
  return len;
}
}  // namespace

std::string sanitizeUtf8(std::string_view bytes, int* replaced) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  int count = 0;
  std::string out;
  size_t i = 0;
  // Fast path: most input is valid.
  while (i < n) {
    size_t skip;
    int len = validSequence(s, n, i, &skip);
    if (len == 0) break;
    i += len;
  }
  if (i == n) {
    if (replaced) *replaced = 0;
    return std::string(bytes);
  }
  out.assign(bytes.data(), i);
  while (i < n) {
    size_t skip;
    int len = validSequence(s, n, i, &skip);
    if (len > 0) {
      out.append(bytes.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++count;
      i += skip;
    }
  }
  if (replaced) *replaced = count;
  return out;
}

std::u32string utf8ToUtf32(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
  size_t n = utf8.size(), i = 0;
  while (i < n) {
    unsigned char c = s[i];
    char32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c < 0xE0) {
      cp = c & 0x1F;
      len = 2;
    } else if (c < 0xF0) {
      cp = c & 0x0F;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    if (i + len > n) break;  // not valid UTF-8: caller contract broken, stop safely
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

std::string utf32ToUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) appendUtf8(out, cp);
  return out;
}

bool isPySpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

namespace {
bool isCased(char32_t c) {
  auto cat = utf8proc_category(int32_t(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL ||
         cat == UTF8PROC_CATEGORY_LT || utf8proc_islower(int32_t(c)) ||
         utf8proc_isupper(int32_t(c));
}
bool isCaseIgnorable(char32_t c) {
  switch (c) {
    case 0x27: case 0x2E: case 0x3A: case 0x5E: case 0x60: case 0xA8: case 0xAD: case 0xAF:
    case 0xB4: case 0xB7: case 0xB8: case 0x387: case 0x5F4: case 0x2018: case 0x2019:
    case 0x2024: case 0x2027: case 0xFE13: case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E:
    case 0xFF1A:
      return true;
    default:
      break;
  }
  auto cat = utf8proc_category(int32_t(c));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME ||
         cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_LM ||
         cat == UTF8PROC_CATEGORY_SK;
}
// CPython's handle_capital_sigma: final sigma when preceded by a cased letter (skipping
// case-ignorables) and not followed by one.
bool finalSigma(const std::u32string& t, size_t i) {
  size_t j = i;
  char32_t c = 0;
  bool found = false;
  while (j > 0) {
    c = t[--j];
    if (!isCaseIgnorable(c)) {
      found = true;
      break;
    }
  }
  if (!found || !isCased(c)) return false;
  for (j = i + 1; j < t.size(); ++j) {
    c = t[j];
    if (!isCaseIgnorable(c)) return !isCased(c);
  }
  return true;
}
}  // namespace

std::u32string pyLower(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (c == 0x130) {  // the one unconditional multi-code-point lower-case mapping
      out.push_back(U'i');
      out.push_back(0x307);
    } else if (c == 0x3A3) {
      out.push_back(finalSigma(text, i) ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(char32_t(utf8proc_tolower(int32_t(c))));
    }
  }
  return out;
}

namespace {
// Unicode White_Space (the regex module's \s): Python's isspace() without U+001C..U+001F.
bool isWhiteSpace(char32_t c) { return isPySpace(c) && !(c >= 0x1C && c <= 0x1F); }

char32_t cp(char c) { return static_cast<unsigned char>(c); }
char32_t cp(char32_t c) { return c; }

// basic_clean's strip(), whitespace_clean's re.sub(r'\s+', ' ') and strip(), in that order.
template <typename Str>
Str stripCollapseStrip(const Str& t) {
  size_t b = 0, e = t.size();
  while (b < e && isPySpace(cp(t[b]))) ++b;
  while (e > b && isPySpace(cp(t[e - 1]))) --e;
  Str out;
  out.reserve(e - b);
  for (size_t i = b; i < e;) {
    if (isWhiteSpace(cp(t[i]))) {
      out.push_back(' ');
      while (i < e && isWhiteSpace(cp(t[i]))) ++i;
    } else {
      out.push_back(t[i++]);
    }
  }
  size_t ob = 0, oe = out.size();
  while (ob < oe && isPySpace(cp(out[ob]))) ++ob;
  while (oe > ob && isPySpace(cp(out[oe - 1]))) --oe;
  return out.substr(ob, oe - ob);
}
}  // namespace

std::string clipClean(std::string_view text) {
  std::string valid = sanitizeUtf8(text);
  bool ascii = true, amp = false;
  for (unsigned char c : valid) {
    ascii &= c < 0x80;
    amp |= c == '&';
  }
  if (ascii && !amp) {  // fast path: no entities, ASCII lower-casing
    std::string out = stripCollapseStrip(valid);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return out;
  }
  std::u32string t = utf8ToUtf32(valid);
  if (amp) t = htmlUnescape(htmlUnescape(t));
  return utf32ToUtf8(pyLower(stripCollapseStrip(t)));
}

}  // namespace pd::tok
