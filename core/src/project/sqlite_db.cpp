#include "project/sqlite_db.h"

#include "promptdesk/error.h"

namespace pd::project {

Db::Db(const std::string& uriOrPath, int flags, const std::string& name) : name_(name) {
  int rc = sqlite3_open_v2(uriOrPath.c_str(), &db_, flags | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("cannot open project database: " + msg, name_);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

void Db::fail(int rc, const std::string& what) const {
  std::string msg = sqlite3_errmsg(db_);
  int primary = rc & 0xff;
  if (primary == SQLITE_FULL) msg = "the disk or the project's size limit is full (" + msg + ")";
  if (primary == SQLITE_READONLY) msg = "the project is read-only (" + msg + ")";
  if (primary == SQLITE_BUSY) msg = "another process kept the project locked (" + msg + ")";
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    msg = "the file is damaged or not a PromptDesk project (" + msg + ")";
  throw Error(what + ": " + msg, name_);
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) fail(rc, "SQL failed");
}

std::int64_t Db::scalar(const std::string& sql) {
  Stmt s(*this, sql.c_str());
  return s.step() ? s.i64(0) : 0;
}

Stmt::Stmt(Db& db, const char* sql) : db_(db) {
  int rc = sqlite3_prepare_v2(db.handle(), sql, -1, &s_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "cannot prepare statement");
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

#define PD_BIND_CHECK(call)                                   \
  do {                                                        \
    int rc_ = (call);                                         \
    if (rc_ != SQLITE_OK) db_.fail(rc_, "cannot bind value"); \
  } while (0)

Stmt& Stmt::bind(int i, std::int64_t v) {
  PD_BIND_CHECK(sqlite3_bind_int64(s_, i, v));
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  PD_BIND_CHECK(sqlite3_bind_double(s_, i, v));
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  PD_BIND_CHECK(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  return *this;
}
Stmt& Stmt::bindBlob(int i, const void* data, std::size_t size) {
  PD_BIND_CHECK(sqlite3_bind_blob64(s_, i, size ? data : "", size, SQLITE_TRANSIENT));
  return *this;
}
Stmt& Stmt::bindNull(int i) {
  PD_BIND_CHECK(sqlite3_bind_null(s_, i));
  return *this;
}
Stmt& Stmt::bindId(int i, std::int64_t id) { return id > 0 ? bind(i, id) : bindNull(i); }

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(s_);
  db_.fail(rc, "database write/read failed");
}

void Stmt::exec() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::int64_t Stmt::i64(int col) const { return sqlite3_column_int64(s_, col); }
double Stmt::f64(int col) const { return sqlite3_column_double(s_, col); }
std::string Stmt::text(int col) const {
  const unsigned char* t = sqlite3_column_text(s_, col);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}
std::string Stmt::blob(int col) const {
  const void* b = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return b ? std::string(static_cast<const char*>(b), static_cast<std::size_t>(n)) : std::string();
}
bool Stmt::isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

Tx::Tx(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Tx::~Tx() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Tx::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace pd::project
