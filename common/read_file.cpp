#include "common/read_file.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

namespace streamsubmit {

std::string read_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

bool regular_file_exists(const std::filesystem::path &path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace streamsubmit
