import DropboltCore
import DropboltL402
import DropboltLightning
import DropboltSats4AI
import DropboltStore
import Foundation

/// The price of one job under a rule, and where it came from.
public struct ScanPrice: Sendable, Equatable, Encodable {
    /// Where a price came from.
    public enum Source: String, Sendable, Encodable {
        /// The provider's free `GET /api/estimate-cost`.
        case providerEstimate = "provider_estimate"
        /// The amount of a first invoice (a free, unpaid request with the first file): an estimate for the rest.
        case firstInvoice = "first_invoice"
        /// Neither answered.
        case unknown
    }

    /// The rule.
    public var rule: String
    /// Price of one job in msat; nil when unknown.
    public var msat: Int64?
    /// Where it came from.
    public var source: Source
    /// Why the price is unknown, when it is.
    public var problem: String?
}

/// What is left of each limit now (msat), after what was spent and what is reserved for payments in flight.
public struct ScanBudget: Sendable, Equatable, Encodable {
    /// Left today, all rules.
    public var dailyLeftMsat: Int64
    /// Left this month, all rules.
    public var monthlyLeftMsat: Int64
    /// Left today for each rule that has its own daily limit.
    public var ruleDailyLeftMsat: [String: Int64]
    /// The per-image limit of each rule (the tighter of the rule's and the global one).
    public var perImageMsat: [String: Int64]
}

/// Prices and budget for a scan: free calls only, nothing is ever paid here.
enum ScanQuote {
    /// The price of one job under `rule`: the provider's estimate, else the amount of an invoice for `sample`.
    static func price(rule: Rule, sample: String?, provider: Sats4AIClient) async -> ScanPrice {
        let endpoint: Sats4AIEndpoint = rule.action == .edit ? .imageEdit : .analyzeImage
        // A rule naming a model may cost something else than the service's default: ask with the real request.
        if rule.model == nil, let reply = try? await provider.estimateCost(of: endpoint), reply.status == 200,
            let sats = CostEstimate.sats(fromBody: reply.body), let msat = Millisatoshi(exactlySats: sats)
        {
            return ScanPrice(rule: rule.name, msat: msat.rawValue, source: .providerEstimate)
        }
        guard let sample else {
            return ScanPrice(rule: rule.name, msat: nil, source: .unknown, problem: "no estimate and no file to ask with")
        }
        do {
            guard let image = DurableFile.read(sample, limit: Intake.maximumOriginalBytes > Int64(Int.max) ? .max : Int(Intake.maximumOriginalBytes)) else {
                return ScanPrice(rule: rule.name, msat: nil, source: .unknown, problem: "\(sample) cannot be read")
            }
            let body = try JobProcessor.requestBody(for: rule, image: image)
            let reply = try await provider.post(endpoint, body: body)
            guard reply.status == 402 else {
                return ScanPrice(
                    rule: rule.name, msat: nil, source: .unknown,
                    problem: "\(provider.url(of: endpoint)) answered HTTP \(reply.status) instead of a 402")
            }
            let challenges = try ChallengeParser.parse(headerValues: reply.values("www-authenticate"))
            guard let challenge = ChallengeParser.preferred(challenges), let amount = try Invoice.decode(challenge.invoice).amount
            else {
                return ScanPrice(rule: rule.name, msat: nil, source: .unknown, problem: "the 402 carries no invoice amount")
            }
            return ScanPrice(rule: rule.name, msat: amount.rawValue, source: .firstInvoice)
        } catch {
            return ScanPrice(rule: rule.name, msat: nil, source: .unknown, problem: "\(error)")
        }
    }

    /// What is left of every limit for `rules` now.
    static func budget(
        rules: [Rule], configuration: DropboltConfiguration, store: Store, now: Date
    ) async throws -> ScanBudget {
        let dayStart = LocalCalendar.startOfDay(now)
        let monthStart = LocalCalendar.startOfMonth(now)
        let reserved = try await store.reservedTotal()
        let limits = BudgetCalendar.limits(for: nil, budget: configuration.budget, now: now)
        let daily = limits.dailyMsat - (try await store.spentTotal(since: dayStart)) - reserved
        let monthly = limits.monthlyMsat - (try await store.spentTotal(since: monthStart)) - reserved
        var ruleDaily: [String: Int64] = [:]
        var perImage: [String: Int64] = [:]
        for rule in rules {
            let ruleLimits = BudgetCalendar.limits(for: rule, budget: configuration.budget, now: now)
            perImage[rule.name] = ruleLimits.perImageMsat
            if let limit = ruleLimits.ruleDailyMsat {
                ruleDaily[rule.name] =
                    limit - (try await store.spentTotal(since: dayStart, rule: rule.name))
                    - (try await store.reservedTotal(rule: rule.name))
            }
        }
        return ScanBudget(
            dailyLeftMsat: max(0, daily), monthlyLeftMsat: max(0, monthly), ruleDailyLeftMsat: ruleDaily.mapValues { max(0, $0) },
            perImageMsat: perImage)
    }
}
