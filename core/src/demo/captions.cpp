#include "demo/captions.h"

#include <array>
#include <sstream>

#include "data/prng.h"

namespace pd::demo {

namespace {

template <class V>
const typename V::value_type& pickOne(const V& v, data::SplitMix64& rng) {
  return v[rng.below(v.size())];
}

struct ClassWords {
  std::vector<std::string> nouns;    // singular nouns ("t-shirt", "tee")
  std::vector<std::string> details;  // descriptive phrases
  bool pair = false;                 // "a pair of ..." is natural
};

// Loose names: a neighbouring category's name used for this one (see CaptionOptions::looseName).
const std::array<std::vector<std::string>, 10>& looseNames() {
  static const std::array<std::vector<std::string>, 10> l = {{
      {"shirt", "top"},         // T-shirt/top
      {},                       // Trouser
      {"top", "coat"},          // Pullover
      {"shirt", "top"},         // Dress ("shirt dress")
      {"pullover", "shirt"},    // Coat (hoodies, shirt jackets)
      {"sneaker", "shoe"},      // Sandal
      {"t-shirt", "top"},       // Shirt
      {"shoe", "boot"},         // Sneaker
      {},                       // Bag
      {"sneaker", "shoe"},      // Ankle boot
  }};
  return l;
}

const std::array<ClassWords, 10>& words() {
  static const std::array<ClassWords, 10> w = {{
      {{"t-shirt", "tee", "top", "tank top", "short-sleeved shirt", "t shirt"},
       {"with short sleeves", "with a round neck", "cotton", "casual"}},
      {{"trousers", "pants", "jeans", "slacks", "leggings"},
       {"with long legs", "denim", "slim fit", "casual"},
       true},
      {{"pullover", "sweater", "jumper", "knit sweater", "sweatshirt"},
       {"with long sleeves", "knitted", "warm", "wool"}},
      {{"dress", "gown", "summer dress", "sundress", "frock"},
       {"knee length", "sleeveless", "elegant", "flowing"}},
      {{"coat", "jacket", "overcoat", "parka", "trench coat"},
       {"with buttons", "with a zip", "warm", "winter"}},
      {{"sandal", "sandals", "flip flop", "slide", "strappy sandal"},
       {"open toe", "with straps", "summer", "flat"},
       true},
      {{"shirt", "blouse", "button-up shirt", "dress shirt", "flannel shirt"},
       {"with a collar", "with buttons", "long sleeved", "formal"}},
      {{"sneaker", "sneakers", "trainer", "running shoe", "sports shoe"},
       {"with laces", "low top", "athletic", "rubber sole"},
       true},
      {{"bag", "handbag", "purse", "tote bag", "shoulder bag"},
       {"leather", "with a handle", "with a strap", "large"}},
      {{"ankle boot", "boots", "ankle boots", "bootie", "chelsea boot"},
       {"with a heel", "leather", "short", "lace-up"},
       true},
  }};
  return w;
}

std::string article(const std::string& noun) {
  if (noun.empty()) return "a";
  char c = noun[0];
  return (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') ? "an" : "a";
}

std::string dropOneWord(const std::string& text, data::SplitMix64& rng) {
  std::istringstream in(text);
  std::vector<std::string> toks;
  for (std::string t; in >> t;) toks.push_back(t);
  if (toks.size() < 3) return text;
  toks.erase(toks.begin() + static_cast<long>(rng.below(toks.size())));
  std::string out;
  for (auto& t : toks) out += (out.empty() ? "" : " ") + t;
  return out;
}

}  // namespace

const std::vector<std::string>& fashionClassNames() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

std::string fashionCaption(int label, std::uint64_t itemIndex, int view, std::uint64_t seed,
                           const CaptionOptions& options) {
  data::SplitMix64 rng(
      data::deriveSeed(seed, "caption/" + std::to_string(itemIndex) + "/" + std::to_string(view)));
  int cls = label;
  if (rng.uniform() < options.noiseWrongClass) cls = static_cast<int>(rng.below(10));
  const ClassWords& w = words()[static_cast<std::size_t>(cls % 10)];
  const auto& loose = looseNames()[static_cast<std::size_t>(cls % 10)];
  const std::string& noun = !loose.empty() && rng.uniform() < options.looseName
                                ? pickOne(loose, rng)
                                : pickOne(w.nouns, rng);
  const std::string& detail = pickOne(w.details, rng);
  static const std::vector<std::string> shades = {"black", "white",   "grey",  "dark",
                                                  "light", "striped", "plain", "patterned"};
  const std::string& shade = pickOne(shades, rng);
  const std::string a = article(noun);
  std::string cap;
  switch (rng.below(14)) {
    case 0:
      cap = a + " " + noun;
      break;
    case 1:
      cap = noun;
      break;
    case 2:
      cap = "product photo: " + noun;
      break;
    case 3:
      cap = "someone's " + noun;
      break;
    case 4:
      cap = w.pair ? "a pair of " + noun : a + " " + shade + " " + noun;
      break;
    case 5:
      cap = "black and white picture of " + a + " " + noun;
      break;
    case 6:
      cap = shade + " " + noun + " " + detail;
      break;
    case 7:
      cap = "my new " + noun + "!";
      break;
    case 8:
      cap = noun + " for sale, " + detail;
      break;
    case 9:
      cap = "low resolution image of " + a + " " + noun;
      break;
    case 10:
      cap = "catalogue item: " + shade + " " + noun;
      break;
    case 11:
      cap = "this " + noun + " is " + detail;
      break;
    case 12:
      cap = "a photo of " + a + " " + noun;
      break;
    default:
      cap = "fashion: " + noun + ", " + detail;
      break;
  }
  if (rng.uniform() < options.noiseDropWord) cap = dropOneWord(cap, rng);
  return cap;
}

}  // namespace pd::demo
