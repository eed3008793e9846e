#pragma once
// Princeton WordNet 3.0 database files as Debian's wordnet-base installs them
// (/usr/share/wordnet): data.<pos> (one synset a line) and index.<pos> (one lemma a line), the
// formats of wndb(5WN). Lines beginning with a space are the license header and are skipped.
//   data:  offset lex_filenum ss_type w_cnt(2 hex) {word lex_id(1 hex)} p_cnt(3 dec)
//          {pointer_symbol offset pos source/target(4 hex)} [f_cnt {+ f_num w_num}] | gloss
//          (the verb frames only in data.verb; adjective words may carry (a)/(p)/(ip) markers)
//   index: lemma pos synset_cnt p_cnt {pointer_symbol} sense_cnt tagsense_cnt {offset}
// Used by the knowledgeable verbalizer (KPT's expanded label words) and by the text demo (noun
// glosses labelled by lexicographer file). Syntax errors throw pd::Error naming file:line and the
// field; references are not checked (an excerpt may point at synsets it does not hold: resolve()
// and synsetsOf() skip them).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pd::data {

enum class WnPos { Noun, Verb, Adj, Adv };
const char* wnPosName(WnPos pos);  // "noun", "verb", "adj", "adv" (the file suffixes)
// The file a pointer's / synset's pos letter lives in: n, v, a and s (satellite: adj), r.
// Throws pd::Error (context `where`) for another letter.
WnPos wnPosOfLetter(char letter, const std::string& where);

struct WnPointer {
  std::string symbol;       // "@" hypernym, "@i" instance hypernym, "~" hyponym, "&" similar, ...
  std::uint32_t offset = 0;  // target synset
  char pos = 'n';           // target's pos letter (n v a s r)
  int source = 0, target = 0;  // word numbers (1-based) of a lexical pointer; 0 0: semantic
};

struct WnSynset {
  std::uint32_t offset = 0;
  int lexFilenum = 0;
  char ssType = 'n';                // n v a s r
  std::vector<std::string> words;   // as in the file (underscores for spaces, case kept), markers cut
  std::vector<std::string> markers;  // adjectives' syntactic marker per word ("", "a", "p", "ip")
  std::vector<WnPointer> pointers;
  std::vector<std::pair<int, int>> frames;  // verbs: (frame number, word number; 0 = all words)
  std::string gloss;                // definition and examples, as written (trailing spaces cut)
  std::string lexname() const;      // lexicographer file ("noun.animal"); "" for an unknown number
  // Target offsets of the "@" and "@i" pointers (hypernyms, instance hypernyms), in file order.
  std::vector<std::uint32_t> hypernyms() const;
};

struct WnIndexEntry {
  std::string lemma;  // lower case, underscores for spaces
  char pos = 'n';
  std::vector<std::string> pointerSymbols;
  int senseCount = 0, tagsenseCount = 0;
  std::vector<std::uint32_t> offsets;  // synsets, most frequent sense first
};

// The lexicographer file name of a number (WordNet 3.0's lexnames: 0 adj.all ... 44 adj.ppl);
// "" when out of range.
std::string wnLexname(int lexFilenum);

// One line of data.<pos> / index.<pos> (no trailing newline). `file` and `lineNo` name it in errors.
WnSynset parseWnDataLine(const std::string& line, const std::string& file, std::size_t lineNo);
WnIndexEntry parseWnIndexLine(const std::string& line, const std::string& file, std::size_t lineNo);
// Every line of a whole file's text (license lines and empty lines skipped). `expect`: the pos the
// file holds (a synset or entry of another pos is an error naming the line).
std::vector<WnSynset> parseWnData(const std::string& text, const std::string& file, WnPos expect);
std::vector<WnIndexEntry> parseWnIndex(const std::string& text, const std::string& file,
                                       WnPos expect);

class WordNet {
 public:
  // Reads data.<pos> and index.<pos> of `dir` for each pos. Throws pd::Error naming the missing or
  // malformed file (with how to install WordNet when the folder has none of them).
  static WordNet load(const std::string& dir,
                      const std::vector<WnPos>& pos = {WnPos::Noun, WnPos::Verb, WnPos::Adj,
                                                       WnPos::Adv});
  // One loaded copy per folder and pos set, kept for the process (the KPT head of every run).
  static std::shared_ptr<const WordNet> shared(const std::string& dir,
                                               const std::vector<WnPos>& pos = {
                                                   WnPos::Noun, WnPos::Verb, WnPos::Adj,
                                                   WnPos::Adv});
  // $WNSEARCHDIR (WordNet's own variable) when set, else /usr/share/wordnet.
  static std::string defaultDir();

  const std::string& dir() const { return dir_; }
  bool has(WnPos pos) const;
  const std::vector<WnSynset>& synsets(WnPos pos) const;  // file order; empty when not loaded
  const std::vector<WnIndexEntry>& index(WnPos pos) const;
  const WnSynset* synset(WnPos pos, std::uint32_t offset) const;  // null when absent
  const WnSynset* resolve(const WnPointer& p) const;               // null when absent
  // The synsets of a lemma (any case; spaces or underscores), most frequent sense first.
  std::vector<const WnSynset*> synsetsOf(const std::string& lemma, WnPos pos) const;

 private:
  struct Part {
    bool loaded = false;
    std::vector<WnSynset> synsets;
    std::vector<WnIndexEntry> index;
    std::map<std::uint32_t, std::size_t> byOffset;
    std::map<std::string, std::size_t> byLemma;
  };
  std::string dir_;
  Part parts_[4];
};

}  // namespace pd::data
