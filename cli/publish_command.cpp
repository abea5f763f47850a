#include "cli/publish_command.h"

#include "cli/resolver_module.h"
#include "resolver/publish.h"

#include <cstdio>
#include <memory>
#include <string>

namespace streamsubmit::cli {
namespace {

struct PublishArgs {
    std::string repository, file, coordinates, pom, ca_bundle, sign_key;
    bool force = false;
    CLI::Option *sign = nullptr;
};

} // namespace

void add_publish_command(CLI::App &app, CommandSelection &selection) {
    auto a = std::make_shared<PublishArgs>();
    auto *cmd = app.add_subcommand("publish",
                                   "Publish a file (a jar, a native plugin .so) into a Maven repository with its POM, "
                                   "checksums and maven-metadata.xml, like mvn deploy:deploy-file");
    cmd->add_option("--repository", a->repository,
                    "Repository URL: http(s)://[user:password@]host/path (HTTP PUT) or file:///path")
        ->required();
    cmd->add_option("--file", a->file, "The file to publish; its extension becomes the artifact's")->required();
    cmd->add_option("--coordinates", a->coordinates,
                    "groupId:artifactId:version[:classifier]; a native plugin (.so) without a classifier is "
                    "published for this platform (such as linux-x86_64)")
        ->required();
    cmd->add_option("--pom", a->pom, "POM to publish with it (default: a generated one)");
    cmd->add_option("--ca-bundle", a->ca_bundle, "PEM file of CA certificates for https repositories");
    cmd->add_flag("--force", a->force, "Replace a release that is already published (refused otherwise, exit 5)");
    a->sign = cmd->add_option("--sign", a->sign_key,
                              "Also write an OpenPGP signature (.asc) of the file and the POM, as mvn gpg:sign does, "
                              "with this key of your GnuPG keyring (fingerprint, key id or user id); --sign alone "
                              "uses gpg's default key")
                  ->expected(0, 1)
                  ->type_name("[KEY]");
    cmd->footer("Exit status: 0 success, 1 runtime failure, 2 usage, 5 publishing failed. See man streamsubmit.");
    cmd->final_callback([a, &selection] {
        selection.action = [a]() -> Status {
            resolver::PublishRequest r;
            r.repository = a->repository;
            r.file = a->file;
            r.coordinates = a->coordinates;
            r.force = a->force;
            if (!a->pom.empty()) r.pom = a->pom;
            if (!a->ca_bundle.empty()) r.ca_bundle = a->ca_bundle;
            if (a->sign->count() > 0) r.sign_key = a->sign_key;
            r.log = [](std::string_view line) {
                std::fprintf(stderr, "streamsubmit: %.*s\n", static_cast<int>(line.size()), line.data());
            };
            auto module = resolver_module();
            if (!module) return module.error();
            return (*module)->publish(r);
        };
    });
}

} // namespace streamsubmit::cli
