#pragma once
// Thin RAII layer over the SQLite C API: a connection, prepared statements and IMMEDIATE
// transactions. Every failure becomes a pd::Error naming the database file.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pd::project {

class Db;

class Stmt {
 public:
  Stmt(Db& db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bindBlob(int i, const void* data, std::size_t size);
  Stmt& bindNull(int i);
  // Binds 0 as NULL (for optional foreign keys).
  Stmt& bindId(int i, std::int64_t id);

  bool step();  // true while a row is available
  void exec();  // steps to completion
  void reset();

  std::int64_t i64(int col) const;
  double f64(int col) const;
  std::string text(int col) const;
  std::string blob(int col) const;
  bool isNull(int col) const;

 private:
  Db& db_;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  // flags: SQLITE_OPEN_* ; `name` is the path shown in messages.
  Db(const std::string& uriOrPath, int flags, const std::string& name);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& name() const { return name_; }
  void exec(const std::string& sql);
  std::int64_t scalar(const std::string& sql);  // first column of the first row (0 if none)
  std::int64_t lastId() const { return sqlite3_last_insert_rowid(db_); }
  [[noreturn]] void fail(int rc, const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string name_;
};

// BEGIN IMMEDIATE (takes the write lock up front, so two writers never deadlock: the second one
// waits up to the busy timeout). Rolls back unless commit() was called.
class Tx {
 public:
  explicit Tx(Db& db);
  ~Tx();
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace pd::project
