import ArgumentParser

/// The `dropbolt` command: a daemon that pays per image for AI edits and captions, and the tools around it.
@main
struct Dropbolt: AsyncParsableCommand {
    /// The release this binary is (also `dropbolt --version` and the man page's footer).
    static let version = "0.9.0"

    static let configuration = CommandConfiguration(
        commandName: "dropbolt",
        abstract: "Watch folders, send new images to a pay-per-call AI API over Lightning, write the results beside them.",
        version: Dropbolt.version,
        subcommands: [Run.self, Scan.self, Status.self, History.self, Spend.self, Retry.self, Rules.self, Models.self, WalletCommand.self]
    )
}
