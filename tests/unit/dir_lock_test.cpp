#include "common/dir_lock.h"
#include "runtime/progress/checkpoint.h"
#include "runtime/receiver/write_ahead_log.h"

#include "tests/unit/temp_dir.h"

#include <doctest/doctest.h>

#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace streamsubmit;
using streamsubmit::testing::TempDir;

TEST_CASE("a locked directory is refused with its path and the holder's pid, and free again after release") {
    TempDir tmp;
    {
        auto first = DirLock::acquire(tmp.path, "checkpoint directory");
        REQUIRE(first.ok());
        auto second = DirLock::acquire(tmp.path, "checkpoint directory");
        REQUIRE_FALSE(second.ok());
        CHECK(second.error().kind == ErrorKind::InUse);
        CHECK(second.error().input == tmp.path.string());
        CHECK(second.error().what.find("pid " + std::to_string(::getpid())) != std::string::npos);
    }
    CHECK(DirLock::acquire(tmp.path, "checkpoint directory").ok());
}

TEST_CASE("the lock of a process that died never blocks") {
    TempDir tmp;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto lock = DirLock::acquire(tmp.path, "checkpoint directory");
        ::_exit(lock.ok() ? 0 : 1); // dies holding it: no destructor runs
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(std::filesystem::exists(tmp.path / "lock")); // the stale file with the dead pid is still there
    CHECK(DirLock::acquire(tmp.path, "checkpoint directory").ok());
}

TEST_CASE("a checkpoint and a write-ahead log are held for their whole life") {
    TempDir tmp;
    auto cp = runtime::Checkpoint::open(tmp.path / "cp", "topics=orders", 10);
    REQUIRE(cp.ok());
    auto again = runtime::Checkpoint::open(tmp.path / "cp", "topics=orders", 10);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == ErrorKind::InUse);

    auto wal = runtime::WriteAheadLog::open(tmp.path / "cp" / "wal");
    REQUIRE(wal.ok());
    auto wal_again = runtime::WriteAheadLog::open(tmp.path / "cp" / "wal");
    REQUIRE_FALSE(wal_again.ok());
    CHECK(wal_again.error().kind == ErrorKind::InUse);
    CHECK(wal_again.error().input == (tmp.path / "cp" / "wal").string());
}
