// Receiver mode's copy of each record into its block (Block::add_run), alone: nanoseconds per
// record for polls of 4,096 records of one partition (key-less, 100-byte values by default, as
// the throughput section's small dataset), in blocks of about 30,000 records (at the defaults a
// block of T:2 is sealed at 4 MiB, a quarter of stream.receiver.maxBufferedBytes per thread:
// 100-byte values and 40-byte entries), the last few blocks kept alive as batches in flight
// keep them.
//
//   bench_block_store [value bytes] [rounds]     prints min / median / max ns per record
#include "runtime/receiver/block.h"
#include "runtime/receiver/record_arena.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace streamsubmit::runtime;

int main(int argc, char **argv) {
    const size_t value_bytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
    constexpr size_t kRecords = 20'000'000, kPerPoll = 4096, kPerBlock = 30'000, kBlocksAlive = 4;
    const std::string value(value_bytes, 'v');
    std::vector<ss_record> poll(kPerPoll);
    for (size_t i = 0; i < kPerPoll; ++i) {
        ss_record &r = poll[i];
        r = {};
        r.struct_size = sizeof(ss_record);
        r.topic = "bench";
        r.partition = 1;
        r.offset = static_cast<int64_t>(i);
        r.timestamp_ms = 1'700'000'000'000 + static_cast<int64_t>(i);
        r.timestamp_type = SS_TIMESTAMP_CREATE_TIME;
        r.value = value.data();
        r.value_len = value.size();
    }
    auto pool = std::make_shared<ChunkPool>(64u << 20);
    std::vector<double> ns;
    for (int round = 0; round < rounds; ++round) {
        std::deque<Block> alive;
        size_t done = 0;
        const auto start = std::chrono::steady_clock::now();
        while (done < kRecords) {
            Block block(pool, kPerBlock);
            for (size_t in = 0; in < kPerBlock; in += kPerPoll) {
                block.add_run(block.slot("bench", 1), poll.data(), kPerPoll);
                for (ss_record &r : poll) r.offset += kPerPoll;
                done += kPerPoll;
            }
            alive.push_back(std::move(block));
            if (alive.size() > kBlocksAlive) alive.pop_front();
        }
        ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
                     static_cast<double>(done));
    }
    std::sort(ns.begin(), ns.end());
    std::printf("Block::add_run, %zu-byte values: %.2f / %.2f / %.2f ns per record (min / median / max of %d)\n",
                value_bytes, ns.front(), ns[ns.size() / 2], ns.back(), rounds);
}
