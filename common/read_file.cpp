#include "common/read_file.h"

#include <fstream>
#include <iterator>

namespace streamsubmit {

std::string read_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace streamsubmit
