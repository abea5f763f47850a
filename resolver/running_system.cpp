#include "resolver/running_system.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

namespace streamsubmit::resolver {
namespace {

std::string lower(std::string s) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string java_os_name(const std::string &sysname) {
    if (sysname == "Darwin") return "Mac OS X";
    return sysname; // Linux, FreeBSD, SunOS as the JVM names them
}

std::string java_os_arch(const std::string &machine) {
    if (machine == "x86_64") return "amd64";
    if (machine == "i386" || machine == "i486" || machine == "i586" || machine == "i686") return "i386";
    if (machine == "arm64") return "aarch64";
    if (machine.starts_with("armv")) return "arm";
    return machine;
}

OsFacts read_os() {
    struct utsname u {};
    if (::uname(&u) != 0) return {"Linux", "amd64", ""};
    return {java_os_name(u.sysname), java_os_arch(u.machine), u.release};
}

} // namespace

const OsFacts &running_os() {
    static const OsFacts facts = read_os();
    return facts;
}

bool os_family_matches(const OsFacts &os, std::string_view family) {
    const std::string name = lower(os.name);
    const auto has = [&](std::string_view part) { return name.find(part) != std::string::npos; };
    const bool windows = has("windows");
    const bool win9x = windows && (has("95") || has("98") || has("me") || has("ce"));
    const bool mac = has("mac");
    if (family == "windows") return windows;
    if (family == "win9x") return win9x;
    if (family == "winnt") return windows && !win9x;
    if (family == "dos") return windows; // path.separator ';'
    if (family == "mac") return mac;
    if (family == "unix") return !windows && !has("openvms") && (!mac || name.ends_with("x"));
    if (family == "tandem") return has("nonstop_kernel");
    if (family == "z/os") return has("z/os") || has("os/390");
    return has(family); // os/2, netware, os/400, openvms, and names such as linux
}

} // namespace streamsubmit::resolver
