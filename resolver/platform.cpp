#include "resolver/platform.h"

#include <sys/utsname.h>

#include <algorithm>

namespace streamsubmit::resolver {

std::string platform_classifier() {
    struct utsname u {};
    std::string os = "linux", arch = "unknown";
    if (::uname(&u) == 0) {
        std::string sys = u.sysname;
        std::transform(sys.begin(), sys.end(), sys.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (sys == "darwin") os = "osx";
        else if (sys == "freebsd") os = "freebsd";
        else os = sys;
        const std::string m = u.machine;
        if (m == "x86_64" || m == "amd64") arch = "x86_64";
        else if (m == "aarch64" || m == "arm64") arch = "aarch_64";
        else if (m == "ppc64le") arch = "ppcle_64";
        else if (m == "s390x") arch = "s390_64";
        else if (m == "i386" || m == "i686") arch = "x86_32";
        else if (m == "riscv64") arch = "riscv64";
        else arch = m;
    }
    return os + "-" + arch;
}

std::vector<std::string> platform_classifiers(const MavenMetadata &m, const std::string &extension) {
    std::vector<std::string> out;
    for (const auto &sv : m.snapshot_versions)
        if (sv.extension == extension && !sv.classifier.empty()) out.push_back(sv.classifier);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Error missing_platform_error(const Coordinate &c, const std::vector<std::string> &available, const std::string &details) {
    std::string list;
    for (const auto &a : available) list += (list.empty() ? "" : ", ") + a;
    Coordinate base = c;
    base.classifier.clear();
    return Error(ErrorKind::Resolution,
                 "no " + c.classifier + " build of native plugin " + base.group + ":" + base.artifact + ":" + c.version +
                     (available.empty() ? std::string("; the repository lists no platform builds")
                                        : "; available platforms: " + list) +
                     details,
                 c.to_string(),
                 available.empty() ? "publish a build for " + c.classifier + " (streamsubmit publish --coordinates " +
                                         base.group + ":" + base.artifact + ":" + c.version + ":" + c.classifier + ")"
                                   : "use a machine of one of those platforms, or publish a " + c.classifier + " build");
}

} // namespace streamsubmit::resolver
