#pragma once
// Named template sets, the built-in library of hand-crafted prompts (resources/templates/
// library.json, compiled into the binary), user libraries, and CLIP-style prompt ensembling.
//
// Library JSON:
//   {"version": 1, "datasets": [
//     {"name": "OxfordPets", "aka": ["pets"], "description": "...", "default": "single",
//      "sets": {"single": ["a photo of a {class}, a type of pet."],            // CLIP templates
//               "cloze": {"family": "mlm", "templates": ["{text} It was {mask}."]}},
//      "class_aliases": {"T-shirt/top": "t-shirt"}}]}
// Every template is parsed and validated for its family when a library is loaded; errors name
// the field, e.g. "my.json: datasets[2].sets.single[0]: 1:14: unknown placeholder '{clas}'".
#include <map>
#include <string>
#include <vector>

#include "promptdesk/template.h"

namespace pd {

struct TemplateSet {
  std::string name;
  Family family = Family::Clip;
  std::vector<std::string> templates;
  // Parsed templates (validated for `family`).
  std::vector<Template> parsed() const;
};

struct DatasetPrompts {
  std::string name;
  std::vector<std::string> aka;  // other spellings that find this entry
  std::string description;
  std::string defaultSet;
  std::vector<TemplateSet> sets;
  std::map<std::string, std::string> classAliases;  // data set class name -> name for prompts
  // The named set ("" = the default); throws pd::Error listing the sets.
  const TemplateSet& set(const std::string& name = "") const;
  std::string promptName(const std::string& className) const;  // alias or the name itself
};

class TemplateLibrary {
 public:
  // The library compiled into the binary (parsed once; valid by construction and by test).
  static const TemplateLibrary& builtin();
  // `origin` names the source in errors (a file name).
  static TemplateLibrary fromJson(const std::string& jsonText, const std::string& origin);
  static TemplateLibrary load(const std::string& path);
  std::string toJson() const;

  const std::vector<DatasetPrompts>& datasets() const { return datasets_; }
  // Case- and punctuation-insensitive lookup by name or aka ("oxford_pets" finds OxfordPets).
  const DatasetPrompts* find(const std::string& name) const;
  // As find(), but throws pd::Error listing the known names.
  const DatasetPrompts& get(const std::string& name) const;
  // Adds the other library's data sets; an entry with the same name replaces its sets of the
  // same name and adds the others (so a user file can extend or override the built-ins).
  void merge(const TemplateLibrary& other);

 private:
  std::vector<DatasetPrompts> datasets_;
};

// CLIP prompt ensembling: perTemplate[t][c] is the text embedding of class c under template t.
// Each row is L2-normalised, the rows of a class are averaged over templates, and the mean is
// L2-normalised again. Returns one row per class. Throws pd::Error naming template/class for
// ragged shapes or a zero (or non-finite) embedding.
std::vector<std::vector<float>> ensembleClassEmbeddings(
    const std::vector<std::vector<std::vector<float>>>& perTemplate);

// `v / ||v||`; throws pd::Error for a zero vector.
std::vector<float> l2Normalized(const std::vector<float>& v);

}  // namespace pd
