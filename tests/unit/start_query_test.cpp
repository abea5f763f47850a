// ask_until_answered: what a job's start-up asks the brokers again, and what it gives up on.
#include "runtime/core/start_query.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::runtime;

namespace {

Error failure(Cause cause) {
    return Error(ErrorKind::Kafka, cause == Cause::Timeout ? "slow" : "gone").set_retriable().set_cause(cause);
}

// Answers with `script`'s errors in turn, then with the number of tries.
struct ScriptedBroker {
    std::vector<Cause> script;
    int tries = 0;
    Result<int> operator()() {
        const auto i = static_cast<size_t>(tries++);
        if (i < script.size()) return failure(script[i]);
        return tries;
    }
};

} // namespace

TEST_CASE("a broker that timed out is asked again, each try said; the answer comes through") {
    StopSignal stop;
    ScriptedBroker broker{{Cause::Timeout}};
    std::vector<std::string> said;
    auto answer = ask_until_answered(std::ref(broker), stop, [&](std::string_view m) { said.emplace_back(m); });
    REQUIRE(answer);
    CHECK(*answer == 2);
    CHECK(said == std::vector<std::string>{"slow; retrying"});
}

TEST_CASE("no broker reached, or any other error, ends the start at the first try") {
    for (Cause cause : {Cause::Unreachable, Cause::UnknownTopic, Cause::None}) {
        StopSignal stop;
        ScriptedBroker broker{{cause, cause}};
        int warnings = 0;
        auto answer = ask_until_answered(std::ref(broker), stop, [&](std::string_view) { ++warnings; });
        REQUIRE_FALSE(answer);
        CHECK(answer.error().cause == cause);
        CHECK(broker.tries == 1);
        CHECK(warnings == 0);
    }
}

TEST_CASE("a stop request ends the waiting with the timeout") {
    StopSignal stop;
    ScriptedBroker broker{std::vector<Cause>(3, Cause::Timeout)};
    // The stop comes as the first timeout is said, before the delay it would wait.
    auto answer = ask_until_answered(std::ref(broker), stop, [&](std::string_view) { stop.request(); });
    REQUIRE_FALSE(answer);
    CHECK(answer.error().cause == Cause::Timeout);
    CHECK(broker.tries == 1);
}
