// The running system as Maven's JVM reports it (os.name, os.arch, os.version and the OS
// families of plexus-utils' Os), for profile activation by <os> and ${os.*} in POMs.
#pragma once

#include <string>
#include <string_view>

namespace streamsubmit::resolver {

struct OsFacts {
    std::string name;    // "Linux", "Mac OS X", "FreeBSD"
    std::string arch;    // Java's names: "amd64" (not x86_64), "aarch64", "i386"
    std::string version; // the kernel release, e.g. "6.1.0-18-amd64"
};

// Read once from uname(2).
const OsFacts &running_os();

// Maven's <os><family>: windows, unix, mac, dos, ...; a family Maven does not know matches
// when os.name contains it ("linux"). `family` in lower case, without '!'.
bool os_family_matches(const OsFacts &os, std::string_view family);

} // namespace streamsubmit::resolver
