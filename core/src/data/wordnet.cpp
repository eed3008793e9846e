// WordNet 3.0 data.<pos> / index.<pos> reader (formats of wndb(5WN)); see wordnet.h.
#include "data/wordnet.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "promptdesk/error.h"

namespace pd::data {

namespace {

const char* const kLexnames[] = {
    "adj.all",          "adj.pert",         "adv.all",           "noun.Tops",
    "noun.act",         "noun.animal",      "noun.artifact",     "noun.attribute",
    "noun.body",        "noun.cognition",   "noun.communication", "noun.event",
    "noun.feeling",     "noun.food",        "noun.group",        "noun.location",
    "noun.motive",      "noun.object",      "noun.person",       "noun.phenomenon",
    "noun.plant",       "noun.possession",  "noun.process",      "noun.quantity",
    "noun.relation",    "noun.shape",       "noun.state",        "noun.substance",
    "noun.time",        "verb.body",        "verb.change",       "verb.cognition",
    "verb.communication", "verb.competition", "verb.consumption", "verb.contact",
    "verb.creation",    "verb.emotion",     "verb.motion",       "verb.perception",
    "verb.possession",  "verb.social",      "verb.stative",      "verb.weather",
    "adj.ppl"};
constexpr int kLexnameCount = static_cast<int>(sizeof(kLexnames) / sizeof(kLexnames[0]));

std::string where(const std::string& file, std::size_t lineNo) {
  return file + ":" + std::to_string(lineNo);
}

// Whitespace-separated fields of a line, read in order; errors name the field being read.
class Fields {
 public:
  Fields(const std::string& line, std::string where) : line_(line), where_(std::move(where)) {}
  bool atEnd() {
    skip();
    return pos_ >= line_.size();
  }
  std::string next(const char* what) {
    skip();
    if (pos_ >= line_.size()) throw Error(std::string("the line ends before the ") + what, where_);
    const std::size_t b = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t') ++pos_;
    return line_.substr(b, pos_ - b);
  }
  std::string peek() {
    const std::size_t save = pos_;
    skip();
    std::string out;
    if (pos_ < line_.size()) {
      std::size_t e = pos_;
      while (e < line_.size() && line_[e] != ' ' && line_[e] != '\t') ++e;
      out = line_.substr(pos_, e - pos_);
    }
    pos_ = save;
    return out;
  }
  // The rest of the line after the current field (one separating space dropped).
  std::string rest() {
    if (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
    return pos_ < line_.size() ? line_.substr(pos_) : std::string();
  }
  // A number in `base` (10 or 16) of 1..maxDigits digits, at most maxValue.
  std::uint64_t number(const char* what, int base, std::size_t maxDigits, std::uint64_t maxValue) {
    const std::string s = next(what);
    if (s.size() > maxDigits) throw bad(what, s, base);
    std::uint64_t v = 0;
    for (char c : s) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else throw bad(what, s, base);
      v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    }
    if (v > maxValue)
      throw Error(std::string(what) + " " + s + " is out of range (at most " +
                      std::to_string(maxValue) + ")",
                  where_);
    return v;
  }
  const std::string& where() const { return where_; }

 private:
  void skip() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }
  Error bad(const char* what, const std::string& s, int base) const {
    return Error(std::string(what) + " '" + s + "' is not a " +
                     (base == 16 ? "hexadecimal" : "decimal") + " number",
                 where_);
  }
  const std::string& line_;
  std::string where_;
  std::size_t pos_ = 0;
};

bool posLetterOk(char c) { return c == 'n' || c == 'v' || c == 'a' || c == 's' || c == 'r'; }

char posLetter(const std::string& s, const char* what, const std::string& w) {
  if (s.size() != 1 || !posLetterOk(s[0]))
    throw Error(std::string(what) + " '" + s + "' is not one of n, v, a, s, r", w);
  return s[0];
}

bool fileHolds(WnPos expect, char letter) {
  switch (expect) {
    case WnPos::Noun: return letter == 'n';
    case WnPos::Verb: return letter == 'v';
    case WnPos::Adj: return letter == 'a' || letter == 's';
    case WnPos::Adv: return letter == 'r';
  }
  return false;
}

template <typename F>
void forEachLine(const std::string& text, F&& f) {
  std::size_t b = 0, lineNo = 0;
  while (b < text.size()) {
    std::size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    ++lineNo;
    std::string line = text.substr(b, e - b);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // License header lines begin with a space; empty lines are allowed anywhere.
    if (!line.empty() && line[0] != ' ' && line[0] != '\t') f(line, lineNo);
    b = e + 1;
  }
}

std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("read error", path);
  return ss.str();
}

std::string normaliseLemma(const std::string& lemma) {
  std::string s = lemma;
  for (char& c : s) {
    if (c == ' ') c = '_';
    else c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

}  // namespace

const char* wnPosName(WnPos pos) {
  switch (pos) {
    case WnPos::Noun: return "noun";
    case WnPos::Verb: return "verb";
    case WnPos::Adj: return "adj";
    case WnPos::Adv: return "adv";
  }
  return "?";
}

WnPos wnPosOfLetter(char letter, const std::string& w) {
  switch (letter) {
    case 'n': return WnPos::Noun;
    case 'v': return WnPos::Verb;
    case 'a':
    case 's': return WnPos::Adj;
    case 'r': return WnPos::Adv;
    default: break;
  }
  throw Error(std::string("part of speech '") + letter + "' is not one of n, v, a, s, r", w);
}

std::string wnLexname(int n) { return n >= 0 && n < kLexnameCount ? kLexnames[n] : std::string(); }

std::string WnSynset::lexname() const { return wnLexname(lexFilenum); }

std::vector<std::uint32_t> WnSynset::hypernyms() const {
  std::vector<std::uint32_t> out;
  for (const auto& p : pointers)
    if (p.symbol == "@" || p.symbol == "@i") out.push_back(p.offset);
  return out;
}

WnSynset parseWnDataLine(const std::string& line, const std::string& file, std::size_t lineNo) {
  Fields f(line, where(file, lineNo));
  WnSynset s;
  s.offset = static_cast<std::uint32_t>(f.number("synset offset", 10, 10, 0xFFFFFFFFull));
  s.lexFilenum = static_cast<int>(f.number("lex_filenum", 10, 2, 99));
  s.ssType = posLetter(f.next("ss_type"), "ss_type", f.where());
  const auto wcnt = f.number("w_cnt", 16, 2, 0xFF);
  if (wcnt == 0) throw Error("w_cnt is 0: a synset has at least one word", f.where());
  for (std::uint64_t i = 0; i < wcnt; ++i) {
    std::string w = f.next("word");
    std::string marker;
    // Adjectives: "word(a)", "word(p)", "word(ip)".
    if (w.size() > 2 && w.back() == ')') {
      const std::size_t open = w.rfind('(');
      if (open != std::string::npos && open > 0) {
        const std::string m = w.substr(open + 1, w.size() - open - 2);
        if (m == "a" || m == "p" || m == "ip") {
          marker = m;
          w.resize(open);
        }
      }
    }
    s.words.push_back(std::move(w));
    s.markers.push_back(std::move(marker));
    (void)f.number("lex_id", 16, 2, 0xFF);
  }
  const auto pcnt = f.number("p_cnt", 10, 4, 9999);
  for (std::uint64_t i = 0; i < pcnt; ++i) {
    WnPointer p;
    p.symbol = f.next("pointer_symbol");
    if (p.symbol == "|")
      throw Error("the gloss begins after " + std::to_string(i) + " of " + std::to_string(pcnt) +
                      " pointers",
                  f.where());
    p.offset = static_cast<std::uint32_t>(f.number("pointer offset", 10, 10, 0xFFFFFFFFull));
    p.pos = posLetter(f.next("pointer pos"), "pointer pos", f.where());
    const std::string st = f.next("pointer source/target");
    if (st.size() != 4)
      throw Error("pointer source/target '" + st + "' is not 4 hexadecimal digits", f.where());
    int v[2] = {0, 0};
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < 2; ++j) {
        const char c = st[static_cast<std::size_t>(2 * k + j)];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else throw Error("pointer source/target '" + st + "' is not 4 hexadecimal digits", f.where());
        v[k] = v[k] * 16 + d;
      }
    p.source = v[0];
    p.target = v[1];
    s.pointers.push_back(std::move(p));
  }
  // Verb frames: f_cnt {+ f_num w_num}.
  if (s.ssType == 'v' && !f.atEnd() && f.peek() != "|") {
    const auto fcnt = f.number("f_cnt", 10, 3, 999);
    for (std::uint64_t i = 0; i < fcnt; ++i) {
      const std::string plus = f.next("frame marker '+'");
      if (plus != "+") throw Error("frame marker '" + plus + "' is not '+'", f.where());
      const int fnum = static_cast<int>(f.number("f_num", 10, 3, 999));
      const int wnum = static_cast<int>(f.number("w_num", 16, 2, 0xFF));
      s.frames.emplace_back(fnum, wnum);
    }
  }
  if (!f.atEnd()) {
    const std::string bar = f.next("gloss");
    if (bar != "|")
      throw Error("unexpected '" + bar + "' after the " + std::to_string(pcnt) +
                      " pointers (the gloss begins with '|')",
                  f.where());
    s.gloss = f.rest();
    while (!s.gloss.empty() && (s.gloss.back() == ' ' || s.gloss.back() == '\t')) s.gloss.pop_back();
  }
  return s;
}

WnIndexEntry parseWnIndexLine(const std::string& line, const std::string& file,
                              std::size_t lineNo) {
  Fields f(line, where(file, lineNo));
  WnIndexEntry e;
  e.lemma = f.next("lemma");
  e.pos = posLetter(f.next("pos"), "pos", f.where());
  const auto scnt = f.number("synset_cnt", 10, 6, 999999);
  const auto pcnt = f.number("p_cnt", 10, 4, 9999);
  for (std::uint64_t i = 0; i < pcnt; ++i) e.pointerSymbols.push_back(f.next("pointer symbol"));
  e.senseCount = static_cast<int>(f.number("sense_cnt", 10, 6, 999999));
  e.tagsenseCount = static_cast<int>(f.number("tagsense_cnt", 10, 6, 999999));
  for (std::uint64_t i = 0; i < scnt; ++i)
    e.offsets.push_back(static_cast<std::uint32_t>(f.number("synset offset", 10, 10, 0xFFFFFFFFull)));
  if (!f.atEnd())
    throw Error("more than the " + std::to_string(scnt) + " synset offsets synset_cnt announces ('" +
                    f.next("extra") + "')",
                f.where());
  return e;
}

std::vector<WnSynset> parseWnData(const std::string& text, const std::string& file, WnPos expect) {
  std::vector<WnSynset> out;
  forEachLine(text, [&](const std::string& line, std::size_t lineNo) {
    WnSynset s = parseWnDataLine(line, file, lineNo);
    if (!fileHolds(expect, s.ssType))
      throw Error(std::string("a synset of type '") + s.ssType + "' in the " + wnPosName(expect) +
                      " file",
                  where(file, lineNo));
    out.push_back(std::move(s));
  });
  return out;
}

std::vector<WnIndexEntry> parseWnIndex(const std::string& text, const std::string& file,
                                       WnPos expect) {
  std::vector<WnIndexEntry> out;
  forEachLine(text, [&](const std::string& line, std::size_t lineNo) {
    WnIndexEntry e = parseWnIndexLine(line, file, lineNo);
    if (!fileHolds(expect, e.pos) || e.pos == 's')
      throw Error(std::string("an entry of pos '") + e.pos + "' in the " + wnPosName(expect) +
                      " index",
                  where(file, lineNo));
    out.push_back(std::move(e));
  });
  return out;
}

WordNet WordNet::load(const std::string& dir, const std::vector<WnPos>& pos) {
  namespace fs = std::filesystem;
  WordNet wn;
  wn.dir_ = dir;
  for (WnPos p : pos) {
    Part& part = wn.parts_[static_cast<int>(p)];
    if (part.loaded) continue;
    const std::string data = (fs::path(dir) / (std::string("data.") + wnPosName(p))).string();
    const std::string index = (fs::path(dir) / (std::string("index.") + wnPosName(p))).string();
    for (const std::string& path : {data, index}) {
      std::error_code ec;
      if (!fs::is_regular_file(path, ec))
        throw Error("no WordNet database here: " + path +
                        " is missing (install the Debian package wordnet-base, or point "
                        "WNSEARCHDIR at a WordNet 3.0 dict folder)",
                    dir);
    }
    part.synsets = parseWnData(readWhole(data), data, p);
    part.index = parseWnIndex(readWhole(index), index, p);
    for (std::size_t i = 0; i < part.synsets.size(); ++i)
      if (!part.byOffset.emplace(part.synsets[i].offset, i).second)
        throw Error("synset offset " + std::to_string(part.synsets[i].offset) + " appears twice",
                    data);
    for (std::size_t i = 0; i < part.index.size(); ++i)
      if (!part.byLemma.emplace(normaliseLemma(part.index[i].lemma), i).second)
        throw Error("lemma '" + part.index[i].lemma + "' appears twice", index);
    part.loaded = true;
  }
  return wn;
}

std::shared_ptr<const WordNet> WordNet::shared(const std::string& dir,
                                               const std::vector<WnPos>& pos) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const WordNet>> cache;
  std::string key = dir + "|";
  for (WnPos p : pos) key += wnPosName(p), key += ",";
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto wn = std::make_shared<const WordNet>(load(dir, pos));
  cache.emplace(key, wn);
  return wn;
}

std::string WordNet::defaultDir() {
  const char* env = std::getenv("WNSEARCHDIR");
  if (env && *env) return env;
  return "/usr/share/wordnet";
}

bool WordNet::has(WnPos pos) const { return parts_[static_cast<int>(pos)].loaded; }

const std::vector<WnSynset>& WordNet::synsets(WnPos pos) const {
  return parts_[static_cast<int>(pos)].synsets;
}

const std::vector<WnIndexEntry>& WordNet::index(WnPos pos) const {
  return parts_[static_cast<int>(pos)].index;
}

const WnSynset* WordNet::synset(WnPos pos, std::uint32_t offset) const {
  const Part& part = parts_[static_cast<int>(pos)];
  auto it = part.byOffset.find(offset);
  return it == part.byOffset.end() ? nullptr : &part.synsets[it->second];
}

const WnSynset* WordNet::resolve(const WnPointer& p) const {
  if (!posLetterOk(p.pos)) return nullptr;
  return synset(wnPosOfLetter(p.pos, "pointer"), p.offset);
}

std::vector<const WnSynset*> WordNet::synsetsOf(const std::string& lemma, WnPos pos) const {
  std::vector<const WnSynset*> out;
  const Part& part = parts_[static_cast<int>(pos)];
  auto it = part.byLemma.find(normaliseLemma(lemma));
  if (it == part.byLemma.end()) return out;
  for (std::uint32_t off : part.index[it->second].offsets)
    if (const WnSynset* s = synset(pos, off)) out.push_back(s);
  return out;
}

}  // namespace pd::data
