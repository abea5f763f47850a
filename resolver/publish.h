// Publishing one file into a Maven repository as `mvn deploy:deploy-file` does: the
// file and its POM (given, or generated with packaging = the file's extension) in the
// maven2 layout, each with .md5 .sha1 .sha256 .sha512 (and, with --sign, an .asc OpenPGP
// signature with its own checksums, as mvn gpg:sign and deploy write them), and g/a/maven-metadata.xml
// updated (versions, latest, release, lastUpdated). g/a/v/maven-metadata.xml lists the
// classifiers published for the version, so resolvers can name the platforms that exist.
// HTTP PUT for http(s):// repositories, file writes for file:// ones.
// A native plugin (.so) named without a classifier is published under this platform's
// (linux-x86_64), which is what resolving g:a:v asks for. A release is immutable, as in Maven
// repositories: publishing a version that is already there is refused unless `force`.
#pragma once

#include "common/error.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace streamsubmit::resolver {

struct PublishRequest {
    std::string repository;  // http(s)://[user:pw@]host/path or file:///path
    std::filesystem::path file;
    std::string coordinates; // g:a:v or g:a:v:classifier
    std::optional<std::filesystem::path> pom;
    std::optional<std::filesystem::path> ca_bundle;
    bool force = false; // overwrite a release that is already published
    // Also write FILE.asc beside the file and the POM, as mvn gpg:sign does: signed by this
    // key of the user's GnuPG keyring ("" = gpg's default key); nullopt: no signatures.
    std::optional<std::string> sign_key;
    std::function<void(std::string_view)> log;
};

Status publish(const PublishRequest &request);

} // namespace streamsubmit::resolver
