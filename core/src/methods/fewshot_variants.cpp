// The few-shot experiment's method variants (CoOp's figure): names -> FewShotRunSpec knobs.
#include <algorithm>

#include "promptdesk/coop.h"
#include "promptdesk/error.h"

namespace pd {

const std::vector<std::string>& fewShotVariants() {
  static const std::vector<std::string> v{"zeroshot",    "ensemble",   "linear-probe",
                                          "coop",        "coop-csc",   "coop-middle",
                                          "coop-front",  "coop-init",  "cocoop"};
  return v;
}

bool isZeroShotVariant(const std::string& variant) {
  return variant == "zeroshot" || variant == "ensemble";
}

FewShotRunSpec fewShotVariantSpec(const std::string& variant, FewShotRunSpec s, int epochs) {
  const auto& known = fewShotVariants();
  if (std::find(known.begin(), known.end(), variant) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error("unknown method variant '" + variant + "' (known: " + list + ")", "method");
  }
  s.method = variant.rfind("coop", 0) == 0 ? "coop" : variant;
  s.coop.epochs = epochs;
  if (variant == "coop-csc") {
    s.coop.csc = true;
  } else if (variant == "coop-middle") {
    s.coop.position = ClassTokenPosition::Middle;
  } else if (variant == "coop-front") {
    s.coop.position = ClassTokenPosition::Front;
  } else if (variant == "coop-init") {
    s.coop.ctxInit = "a photo of a";
  } else if (variant == "cocoop") {
    s.coop.nCtx = 4;
    s.coop.ctxInit = "a photo of a";
    s.coop.epochs = epochs > 0 ? epochs : 10;
    s.coop.batchSize = 1;
  }
  return s;
}

}  // namespace pd
