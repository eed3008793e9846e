// Python's html.unescape() on code points, and the named character references it knows.
// The table holds every legacy name (the ones HTML5 also accepts without ';'), the HTML 4 set
// and a selection of common HTML5 names; an unknown name is left as written, as Python does.
#include <array>

#include "tokenizers/text_clean.h"

namespace pd::tok {

namespace {
// Latin-1 names for U+00A0..U+00FF, in order: all of them are legacy names.
const std::array<const char*, 96> kLatin1 = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",
    "uml",    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",
    "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",  "para",   "middot",
    "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",
    "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",
    "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",
    "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
    "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};

struct Named {
  const char* name;
  char32_t cp;
};
// Legacy names outside Latin-1's upper half (accepted with and without ';').
const Named kLegacy[] = {{"amp", '&'}, {"lt", '<'},    {"gt", '>'},    {"quot", '"'},
                         {"AMP", '&'}, {"LT", '<'},    {"GT", '>'},    {"QUOT", '"'},
                         {"COPY", 0xA9}, {"REG", 0xAE}};
// Names only valid with ';'.
const Named kSemicolon[] = {
    {"apos", '\''}, {"OElig", 0x152}, {"oelig", 0x153}, {"Scaron", 0x160}, {"scaron", 0x161},
    {"Yuml", 0x178}, {"fnof", 0x192}, {"circ", 0x2C6}, {"tilde", 0x2DC}, {"ensp", 0x2002},
    {"emsp", 0x2003}, {"thinsp", 0x2009}, {"zwnj", 0x200C}, {"zwj", 0x200D}, {"lrm", 0x200E},
    {"rlm", 0x200F}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"sbquo", 0x201A}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022}, {"hellip", 0x2026},
    {"permil", 0x2030}, {"prime", 0x2032}, {"Prime", 0x2033}, {"lsaquo", 0x2039},
    {"rsaquo", 0x203A}, {"oline", 0x203E}, {"frasl", 0x2044}, {"euro", 0x20AC},
    {"image", 0x2111}, {"weierp", 0x2118}, {"real", 0x211C}, {"trade", 0x2122},
    {"alefsym", 0x2135}, {"larr", 0x2190}, {"uarr", 0x2191}, {"rarr", 0x2192}, {"darr", 0x2193},
    {"harr", 0x2194}, {"crarr", 0x21B5}, {"lArr", 0x21D0}, {"uArr", 0x21D1}, {"rArr", 0x21D2},
    {"dArr", 0x21D3}, {"hArr", 0x21D4}, {"forall", 0x2200}, {"part", 0x2202},
    {"exist", 0x2203}, {"empty", 0x2205}, {"nabla", 0x2207}, {"isin", 0x2208},
    {"notin", 0x2209}, {"ni", 0x220B}, {"prod", 0x220F}, {"sum", 0x2211}, {"minus", 0x2212},
    {"lowast", 0x2217}, {"radic", 0x221A}, {"prop", 0x221D}, {"infin", 0x221E}, {"ang", 0x2220},
    {"and", 0x2227}, {"or", 0x2228}, {"cap", 0x2229}, {"cup", 0x222A}, {"int", 0x222B},
    {"there4", 0x2234}, {"sim", 0x223C}, {"cong", 0x2245}, {"asymp", 0x2248}, {"ne", 0x2260},
    {"equiv", 0x2261}, {"le", 0x2264}, {"ge", 0x2265}, {"sub", 0x2282}, {"sup", 0x2283},
    {"nsub", 0x2284}, {"sube", 0x2286}, {"supe", 0x2287}, {"oplus", 0x2295},
    {"otimes", 0x2297}, {"perp", 0x22A5}, {"sdot", 0x22C5}, {"lceil", 0x2308},
    {"rceil", 0x2309}, {"lfloor", 0x230A}, {"rfloor", 0x230B}, {"lang", 0x27E8},
    {"rang", 0x27E9}, {"loz", 0x25CA}, {"spades", 0x2660}, {"clubs", 0x2663},
    {"hearts", 0x2665}, {"diams", 0x2666}, {"thetasym", 0x3D1}, {"upsih", 0x3D2},
    {"piv", 0x3D6},
    // common HTML5 additions
    {"Tab", 0x09}, {"NewLine", 0x0A}, {"excl", '!'}, {"num", '#'}, {"dollar", '$'},
    {"percnt", '%'}, {"lpar", '('}, {"rpar", ')'}, {"ast", '*'}, {"plus", '+'}, {"comma", ','},
    {"period", '.'}, {"sol", '/'}, {"colon", ':'}, {"semi", ';'}, {"equals", '='},
    {"quest", '?'}, {"commat", '@'}, {"lsqb", '['}, {"lbrack", '['}, {"bsol", '\\'},
    {"rsqb", ']'}, {"rbrack", ']'}, {"Hat", '^'}, {"lowbar", '_'}, {"grave", '`'},
    {"lcub", '{'}, {"lbrace", '{'}, {"verbar", '|'}, {"vert", '|'}, {"rcub", '}'},
    {"rbrace", '}'}, {"nbsp", 0xA0}, {"hyphen", 0x2010}, {"dash", 0x2010}, {"check", 0x2713},
    {"star", 0x2606}, {"starf", 0x2605}, {"hearts", 0x2665}, {"half", 0xBD}, {"copysr", 0x2117},
    {"trade", 0x2122}, {"TRADE", 0x2122}, {"divide", 0xF7}, {"times", 0xD7}};

const char* kGreek[] = {"Alpha", "Beta", "Gamma",   "Delta", "Epsilon", "Zeta", "Eta",
                        "Theta", "Iota", "Kappa",   "Lambda", "Mu",     "Nu",   "Xi",
                        "Omicron", "Pi", "Rho",     nullptr, "Sigma",  "Tau",  "Upsilon",
                        "Phi",   "Chi",  "Psi",     "Omega"};
const char* kGreekLower[] = {"alpha", "beta", "gamma",   "delta", "epsilon", "zeta", "eta",
                             "theta", "iota", "kappa",   "lambda", "mu",     "nu",   "xi",
                             "omicron", "pi", "rho",     "sigmaf", "sigma",  "tau",  "upsilon",
                             "phi",   "chi",  "psi",     "omega"};

std::unordered_map<std::string, std::u32string> buildTable() {
  std::unordered_map<std::string, std::u32string> t;
  auto both = [&](const std::string& name, char32_t cp) {
    t[name] = std::u32string(1, cp);
    t[name + ";"] = std::u32string(1, cp);
  };
  for (size_t i = 0; i < kLatin1.size(); ++i) both(kLatin1[i], char32_t(0xA0 + i));
  for (const Named& n : kLegacy) both(n.name, n.cp);
  for (const Named& n : kSemicolon) t[std::string(n.name) + ";"] = std::u32string(1, n.cp);
  for (int i = 0; i < 25; ++i) {
    if (kGreek[i]) t[std::string(kGreek[i]) + ";"] = std::u32string(1, char32_t(0x391 + i));
    t[std::string(kGreekLower[i]) + ";"] = std::u32string(1, char32_t(0x3B1 + i));
  }
  return t;
}

// html._invalid_charrefs: numeric references that HTML5 maps to other characters.
char32_t remapInvalidCharref(unsigned long n, bool* hit) {
  static const char32_t k80[32] = {
      0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
  *hit = true;
  if (n == 0x00) return 0xFFFD;
  if (n == 0x0D) return 0x0D;
  if (n >= 0x80 && n <= 0x9F) return k80[n - 0x80];
  *hit = false;
  return 0;
}

// html._invalid_codepoints: references to these decode to nothing.
bool invalidCodepoint(unsigned long n) {
  return (n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) ||
         (n >= 0x7F && n <= 0x9F) || (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE;
}

bool isDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool isHex(char32_t c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hexValue(char32_t c) {
  if (isDigit(c)) return int(c - '0');
  return int((c | 0x20) - 'a' + 10);
}
}  // namespace

const std::unordered_map<std::string, std::u32string>& htmlEntities() {
  static const auto table = buildTable();
  return table;
}

std::u32string htmlUnescape(const std::u32string& s) {
  if (s.find(U'&') == std::u32string::npos) return s;
  const auto& table = htmlEntities();
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0, n = s.size();
  while (i < n) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    size_t p = i + 1;
    // Numeric: &#[0-9]+;? | &#[xX][0-9a-fA-F]+;?
    if (p < n && s[p] == U'#') {
      bool hex = p + 1 < n && (s[p + 1] == U'x' || s[p + 1] == U'X');
      size_t q = p + (hex ? 2 : 1), start = q;
      unsigned long value = 0;
      while (q < n && (hex ? isHex(s[q]) : isDigit(s[q]))) {
        if (value <= 0x10FFFF) value = value * (hex ? 16 : 10) + unsigned(hexValue(s[q]));
        ++q;
      }
      if (q == start) {  // "&#" without digits: not a reference
        out.push_back(s[i++]);
        continue;
      }
      if (q < n && s[q] == U';') ++q;
      bool hit;
      char32_t mapped = remapInvalidCharref(value, &hit);
      if (hit) {
        out.push_back(mapped);
      } else if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
        out.push_back(0xFFFD);
      } else if (!invalidCodepoint(value)) {
        out.push_back(char32_t(value));
      }
      i = q;
      continue;
    }
    // Named: [^\t\n\f <&#;]{1,32};?
    size_t q = p;
    while (q < n && q - p < 32) {
      char32_t c = s[q];
      if (c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' ||
          c == U'#' || c == U';')
        break;
      ++q;
    }
    if (q == p) {
      out.push_back(s[i++]);
      continue;
    }
    if (q < n && s[q] == U';') ++q;
    std::string name = utf32ToUtf8(std::u32string_view(s.data() + p, q - p));
    auto it = table.find(name);
    if (it != table.end()) {
      out += it->second;
    } else {
      // Longest prefix (at least 2 code points, shorter than the whole) that is a known name.
      size_t len = q - p;
      bool found = false;
      for (size_t x = len - 1; x >= 2 && len >= 3; --x) {
        std::string prefix = utf32ToUtf8(std::u32string_view(s.data() + p, x));
        auto pit = table.find(prefix);
        if (pit != table.end()) {
          out += pit->second;
          out.append(s, p + x, len - x);
          found = true;
          break;
        }
      }
      if (!found) {
        out.push_back(U'&');
        out.append(s, p, len);
      }
    }
    i = q;
  }
  return out;
}

}  // namespace pd::tok
