// The recent-projects list: dataDir()/recent-projects.json, newest first, written atomically.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "promptdesk/paths.h"
#include "promptdesk/project.h"

namespace fs = std::filesystem;

namespace pd {
namespace {
std::string listPath() { return dataPath("recent-projects.json"); }

void writeList(const std::vector<std::string>& list) {
  std::error_code ec;
  fs::create_directories(dataDir(), ec);
  std::string tmp = listPath() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;  // a recent list we cannot write is not worth failing an open for
    out << nlohmann::json{{"recent", list}}.dump(2) << "\n";
    if (!out) return;
  }
  fs::rename(tmp, listPath(), ec);
}

std::string absolute(const std::string& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}
}  // namespace

std::vector<std::string> recentProjects() {
  std::ifstream in(listPath());
  if (!in) return {};
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  std::vector<std::string> out;
  if (j.is_object() && j.contains("recent") && j["recent"].is_array())
    for (auto& e : j["recent"])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

void addRecentProject(const std::string& path, std::size_t keep) {
  std::string a = absolute(path);
  std::vector<std::string> list = recentProjects();
  list.erase(std::remove(list.begin(), list.end(), a), list.end());
  list.insert(list.begin(), a);
  if (list.size() > keep) list.resize(keep);
  writeList(list);
}

void removeRecentProject(const std::string& path) {
  std::string a = absolute(path);
  std::vector<std::string> list = recentProjects();
  list.erase(std::remove(list.begin(), list.end(), a), list.end());
  writeList(list);
}

}  // namespace pd
