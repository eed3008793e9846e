#include "data/arff_reader.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "data/delimited_reader.h"
#include "promptdesk/error.h"

namespace pd::data {
namespace {

constexpr std::size_t kMaxAttributes = 100000;
constexpr std::size_t kMaxNominalValues = 100000;
constexpr std::size_t kMaxCells = std::size_t(1) << 24;  // rows x attributes

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::size_t skipSpace(const std::string& s, std::size_t i) {
  while (i < s.size() && isSpace(s[i])) ++i;
  return i;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One value starting at s[i] (after spaces): quoted ('...' or "...", Weka escapes) or bare (up to
// a delimiter in `stops`, trailing spaces trimmed). Sets *quoted; returns false with *err set on
// an unterminated quote or characters after a closing quote.
bool readValue(const std::string& s, std::size_t& i, const char* stops, std::string* out,
               bool* quoted, std::string* err, bool strictEnd = true) {
  out->clear();
  *quoted = false;
  i = skipSpace(s, i);
  if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
    const char q = s[i++];
    *quoted = true;
    for (;;) {
      if (i >= s.size()) {
        *err = std::string("unterminated ") + (q == '\'' ? "'" : "\"") + " quote";
        return false;
      }
      const char c = s[i];
      if (c == q) {
        ++i;
        break;
      }
      if (c == '\\' && i + 1 < s.size()) {
        const char n = s[i + 1];
        const char* map = nullptr;
        switch (n) {
          case 'n': map = "\n"; break;
          case 'r': map = "\r"; break;
          case 't': map = "\t"; break;
          case '\'': map = "'"; break;
          case '"': map = "\""; break;
          case '\\': map = "\\"; break;
          case '%': map = "%"; break;
          default: break;
        }
        if (map) {
          *out += map;
          i += 2;
          continue;
        }
      }
      *out += c;
      ++i;
    }
    if (!strictEnd) return true;
    i = skipSpace(s, i);
    if (i < s.size() && !std::strchr(stops, s[i])) {
      *err = "characters after a closing quote";
      return false;
    }
    return true;
  }
  const std::size_t b = i;
  while (i < s.size() && !std::strchr(stops, s[i])) ++i;
  std::size_t e = i;
  while (e > b && isSpace(s[e - 1])) --e;
  out->assign(s, b, e - b);
  return true;
}

// A name after @relation / @attribute: quoted, or up to the next space.
std::string readName(const std::string& s, std::size_t& i, const std::string& where) {
  i = skipSpace(s, i);
  if (i >= s.size()) throw Error("a name is missing", where);
  if (s[i] == '\'' || s[i] == '"') {
    std::string v, err;
    bool q;
    if (!readValue(s, i, " \t", &v, &q, &err, false)) throw Error(err, where);
    return v;
  }
  const std::size_t b = i;
  while (i < s.size() && !isSpace(s[i]) && s[i] != '{') ++i;
  return s.substr(b, i - b);
}

bool isNumber(const std::string& v) {
  if (v.empty()) return false;
  char* end = nullptr;
  std::strtod(v.c_str(), &end);
  return end && *end == '\0';
}

void parseAttribute(const std::string& ln, std::size_t i, int line, const std::string& where,
                    ArffAttribute* a) {
  a->line = line;
  a->name = readName(ln, i, where);
  if (a->name.empty()) throw Error("an attribute needs a name", where);
  i = skipSpace(ln, i);
  if (i >= ln.size()) throw Error("attribute '" + a->name + "' has no type", where);
  if (ln[i] == '{') {
    a->type = "nominal";
    ++i;
    for (;;) {
      std::string v, err;
      bool quoted;
      if (!readValue(ln, i, ",}", &v, &quoted, &err))
        throw Error("attribute '" + a->name + "': " + err, where);
      if (i >= ln.size()) throw Error("attribute '" + a->name + "': no closing '}'", where);
      if (!v.empty() || quoted || ln[i] == ',' || !a->values.empty()) {
        if (v.empty() && !quoted)
          throw Error("attribute '" + a->name + "': an empty nominal value", where);
        for (auto& old : a->values)
          if (old == v)
            throw Error("attribute '" + a->name + "': value '" + v + "' listed twice", where);
        a->values.push_back(v);
        if (a->values.size() > kMaxNominalValues)
          throw Error("attribute '" + a->name + "': more than 100000 values", where);
      }
      if (ln[i] == '}') {
        ++i;
        break;
      }
      ++i;  // ','
    }
    i = skipSpace(ln, i);
    if (i < ln.size() && ln[i] != '%')
      throw Error("attribute '" + a->name + "': characters after the value list", where);
    if (a->values.empty()) throw Error("attribute '" + a->name + "': no nominal values", where);
    return;
  }
  const std::size_t b = i;
  while (i < ln.size() && !isSpace(ln[i])) ++i;
  const std::string type = lower(ln.substr(b, i - b));
  if (type == "numeric" || type == "real" || type == "integer")
    a->type = "numeric";
  else if (type == "string")
    a->type = "string";
  else if (type == "date")
    a->type = "date";
  else if (type == "relational")
    throw Error("attribute '" + a->name + "': relational attributes are not supported", where);
  else
    throw Error("attribute '" + a->name + "': unknown type '" + ln.substr(b, i - b) +
                    "' (numeric, real, integer, string, date or {values})",
                where);
}

void parseRow(const std::string& ln, const ArffFile& f, ArffRow* row) {
  const std::size_t n = f.attributes.size();
  std::size_t i = skipSpace(ln, 0);
  row->values.assign(n, std::string());
  row->missing.assign(n, 0);
  auto setValue = [&](std::size_t a, std::string v, bool quoted) {
    if (!quoted && v == "?") {
      row->missing[a] = 1;
      v.clear();
    } else if (f.attributes[a].type == "numeric" && !isNumber(v) && row->error.empty()) {
      row->error = "attribute '" + f.attributes[a].name + "': '" + v + "' is not a number";
    }
    row->values[a] = std::move(v);
  };
  if (i < ln.size() && ln[i] == '{') {  // sparse
    for (std::size_t a = 0; a < n; ++a)
      if (f.attributes[a].type == "nominal")
        row->values[a] = f.attributes[a].values.front();
      else if (f.attributes[a].type == "numeric")
        row->values[a] = "0";
    ++i;
    long long last = -1;
    for (;;) {
      i = skipSpace(ln, i);
      if (i >= ln.size()) {
        row->error = "no closing '}' in a sparse row";
        return;
      }
      if (ln[i] == '}') {
        ++i;
        break;
      }
      const std::size_t b = i;
      while (i < ln.size() && std::isdigit(static_cast<unsigned char>(ln[i]))) ++i;
      if (i == b || i - b > 9) {
        row->error = "a sparse entry needs '<index> <value>'";
        return;
      }
      const long long idx = std::atoll(ln.substr(b, i - b).c_str());
      if (idx >= static_cast<long long>(n) || idx <= last) {
        row->error = "sparse index " + std::to_string(idx) +
                     (idx <= last ? " not increasing" : " past the last attribute");
        return;
      }
      last = idx;
      std::string v, err;
      bool quoted;
      if (!readValue(ln, i, ",}", &v, &quoted, &err)) {
        row->error = err;
        return;
      }
      setValue(static_cast<std::size_t>(idx), std::move(v), quoted);
      if (i < ln.size() && ln[i] == ',') ++i;
    }
    i = skipSpace(ln, i);
    if (i < ln.size()) row->error = "characters after a sparse row";
    return;
  }
  std::size_t a = 0;
  for (;;) {
    std::string v, err;
    bool quoted;
    if (!readValue(ln, i, ",", &v, &quoted, &err)) {
      row->error = err;
      return;
    }
    if (a < n) setValue(a, std::move(v), quoted);
    ++a;
    if (i >= ln.size()) break;
    ++i;  // ','
  }
  if (a != n)
    row->error = std::to_string(a) + " values, the header declares " + std::to_string(n) +
                 " attributes";
}

}  // namespace

ArffFile parseArff(const std::string& text, const std::string& origin) {
  ArffFile f;
  const std::size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  bool inData = false, haveRelation = false;
  std::size_t cells = 0;
  forEachLine(std::string_view(text).substr(start), [&](int line, std::string& ln) {
    const std::size_t b = skipSpace(ln, 0);
    if (b >= ln.size() || ln[b] == '%') return;
    const std::string where = origin + ":" + std::to_string(line);
    if (!inData) {
      if (ln[b] != '@') throw Error("expected @relation, @attribute or @data", where);
      std::size_t i = b;
      while (i < ln.size() && !isSpace(ln[i])) ++i;
      const std::string kw = lower(ln.substr(b, i - b));
      if (kw == "@relation") {
        if (haveRelation) throw Error("a second @relation", where);
        if (!f.attributes.empty()) throw Error("@relation after @attribute", where);
        f.relation = readName(ln, i, where);
        haveRelation = true;
      } else if (kw == "@attribute") {
        if (!haveRelation) throw Error("@attribute before @relation", where);
        ArffAttribute a;
        parseAttribute(ln, i, line, where, &a);
        for (auto& old : f.attributes)
          if (old.name == a.name)
            throw Error("attribute '" + a.name + "' declared twice (line " +
                            std::to_string(old.line) + ")",
                        where);
        f.attributes.push_back(std::move(a));
        if (f.attributes.size() > kMaxAttributes) throw Error("more than 100000 attributes", where);
      } else if (kw == "@data") {
        if (f.attributes.empty()) throw Error("@data before any @attribute", where);
        inData = true;
      } else if (kw == "@end") {
        throw Error("relational attributes (@end) are not supported", where);
      } else {
        throw Error("unknown keyword '" + ln.substr(b, i - b) +
                        "' (expected @relation, @attribute or @data)",
                    where);
      }
      return;
    }
    cells += f.attributes.size();
    if (cells > kMaxCells)
      throw Error("more than 16777216 values (rows x attributes); too large for this reader",
                  where);
    ArffRow row;
    row.line = line;
    parseRow(ln, f, &row);
    f.rows.push_back(std::move(row));
  });
  if (!haveRelation) throw Error("no @relation (not an ARFF file?)", origin);
  if (!inData) throw Error("no @data section", origin);
  return f;
}

}  // namespace pd::data
