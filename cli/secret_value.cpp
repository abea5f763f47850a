#include "cli/secret_value.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace streamsubmit::cli {

Result<std::string> resolve_value_reference(const std::string &key, const std::string &value) {
    if (value.starts_with("literal:")) return value.substr(8);
    if (value.starts_with("env:")) {
        const std::string name = value.substr(4);
        const char *found = name.empty() ? nullptr : std::getenv(name.c_str());
        if (!found)
            return Error(ErrorKind::Usage, "the environment variable named by " + key + " is not set", value,
                         "export " + (name.empty() ? std::string("NAME") : name) +
                             " before starting the job, or write literal:" + value + " for a value that starts with env:");
        return std::string(found);
    }
    if (value.starts_with("file:")) {
        const std::string path = value.substr(5);
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return Error(ErrorKind::Usage, "cannot read the file named by " + key + ": " + std::strerror(errno), path,
                         "check the path and its permissions, or write literal:" + value +
                             " for a value that starts with file:");
        std::ostringstream text;
        text << in.rdbuf();
        std::string content = text.str();
        if (content.ends_with("\r\n")) content.resize(content.size() - 2);
        else if (content.ends_with('\n')) content.pop_back();
        return content;
    }
    return value;
}

} // namespace streamsubmit::cli
