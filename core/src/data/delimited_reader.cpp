#include "data/delimited_reader.h"

namespace pd::data {

std::vector<DelimitedRecord> parseDelimited(const std::string& text, char delim, bool quoting) {
  std::vector<DelimitedRecord> out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 BOM
  int line = 1;
  while (i < n) {
    DelimitedRecord rec;
    rec.line = line;
    std::string field;
    bool done = false;
    bool blank = true;
    while (!done) {
      if (i >= n) {
        rec.fields.push_back(std::move(field));
        break;
      }
      char c = text[i];
      if (quoting && c == '"' && field.empty()) {
        // Quoted field: up to the closing quote; "" is a literal quote.
        blank = false;
        ++i;
        bool closed = false;
        while (i < n) {
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        if (!closed) {
          rec.error = "unterminated quoted field";
          rec.fields.push_back(std::move(field));
          i = n;
          break;
        }
        // After the closing quote: a delimiter, a line end or the end; else malformed.
        if (i < n && text[i] != delim && text[i] != '\n' && text[i] != '\r') {
          rec.error = "characters after a closing quote";
          while (i < n && text[i] != delim && text[i] != '\n') field += text[i++];
        }
        continue;
      }
      if (c == delim) {
        blank = false;
        rec.fields.push_back(std::move(field));
        field.clear();
        ++i;
      } else if (c == '\r' && i + 1 < n && text[i + 1] == '\n') {
        ++i;  // CRLF: handled at '\n'
      } else if (c == '\n') {
        rec.fields.push_back(std::move(field));
        ++i;
        ++line;
        done = true;
      } else {
        blank = false;
        field += c;
        ++i;
      }
    }
    if (blank && rec.fields.size() == 1 && rec.fields[0].empty() && rec.error.empty()) continue;
    out.push_back(std::move(rec));
  }
  return out;
}

void forEachLine(std::string_view text, const std::function<void(int, std::string&)>& fn) {
  std::size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string ln(text.substr(pos, end - pos));
    pos = end + 1;
    ++line;
    if (!ln.empty() && ln.back() == '\r') ln.pop_back();
    fn(line, ln);
  }
}

}  // namespace pd::data
