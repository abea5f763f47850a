// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and
// Kafka's record batches. SSE 4.2's crc32 instruction where the CPU has it (checked at
// start-up), else a portable slice-by-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace streamsubmit {

// Extends `crc` (the CRC32C of earlier bytes, 0 for none) with `size` more bytes.
uint32_t crc32c_extend(uint32_t crc, const void *data, size_t size);
// The same without CPU-specific instructions (what crc32c_extend uses on other CPUs);
// tests compare the two.
uint32_t crc32c_extend_portable(uint32_t crc, const void *data, size_t size);

inline uint32_t crc32c(const void *data, size_t size) { return crc32c_extend(0, data, size); }
inline uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }

} // namespace streamsubmit
