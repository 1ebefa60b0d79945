/// Builds the `YAMLNode` tree that `RuleLoader` reads from libyaml's events, in a loop over an explicit
/// stack: no input can nest it deep into the call stack.
///
/// libyaml reads full YAML 1.1: block and flow collections, every scalar style, comments, anchors and
/// aliases. On top of that the builder gives rule files what they need: `<<` merge keys, one document, keys
/// that are text and unique, at most `maxDepth` levels of nesting, and aliases that add at most
/// `maxAliasNodes` nodes (a few lines of aliases can otherwise expand into billions, the "billion laughs").
/// Tags other than the standard `!!str`, `!!seq`, `!!map` and the non-specific `!` are refused.
struct YAMLTreeBuilder {
    /// How deeply collections may nest: far beyond any rule file.
    static let maxDepth = 64
    /// How many nodes aliases may bring in, in all: room for an alias in each of `RulePack.maxRules` rules.
    static let maxAliasNodes = 1_000_000

    /// A finished node with its size and height counted with aliases expanded, for the bounds.
    private struct Built {
        var node: YAMLNode
        var size: Int
        /// Levels of collections in the node (0 for a scalar).
        var height: Int
    }

    /// A collection being read.
    private struct Frame {
        var isMapping: Bool
        var isFlow: Bool
        var line: Int
        var column: Int
        var anchor: String?
        var items: [YAMLNode] = []
        var entries: [YAMLEntry] = []
        /// A mapping's key that waits for its value.
        var key: YAMLNode?
        /// The line of each key, for the duplicate message.
        var keyLines: [String: Int] = [:]
        /// What each `<<` merges in, and after how many of the written entries it stood.
        var merges: [(position: Int, entries: [YAMLEntry])] = []
        var size = 1
        var height = 1
    }

    private let reader: YAMLEventReader
    private let text: String
    private var frames: [Frame] = []
    private var anchors: [String: Built] = [:]
    private var aliasNodes = 0
    /// Where the last scalar, alias or flow collection ended (block collections end where the next line
    /// starts, which says nothing about text left over on a line).
    private var lastEnd: YAMLEvent.Mark?
    /// The block collection that ended just before the current event, if any: a dedent closed it.
    private var justClosed: YAMLSyntaxMessage.Collection?

    /// Parses `text` into its single top-level node (an empty document is an empty mapping).
    static func build(_ text: String) throws(YAMLError) -> YAMLNode {
        guard let reader = YAMLEventReader(text) else {
            throw YAMLError(line: 1, column: 1, message: "not enough memory to read the file")
        }
        var builder = YAMLTreeBuilder(reader: reader, text: text)
        return try builder.stream()
    }

    private init(reader: YAMLEventReader, text: String) {
        self.reader = reader
        self.text = text
    }

    /// The next event; libyaml's syntax errors come out reworded, with what was open around them.
    private mutating func next() throws(YAMLError) -> YAMLEvent {
        do {
            return try reader.next()
        } catch {
            let open = frames.filter { !$0.isFlow }.map {
                YAMLSyntaxMessage.Collection(isMapping: $0.isMapping, line: $0.line, column: $0.column)
            }
            throw YAMLSyntaxMessage.error(error, text: text, open: open, justClosed: justClosed, lastEnd: lastEnd)
        }
    }

    private mutating func stream() throws(YAMLError) -> YAMLNode {
        var root: YAMLNode?
        while true {
            switch try next() {
            case .streamStart, .documentEnd:
                continue
            case .streamEnd:
                return root ?? YAMLNode(value: .mapping([]), line: 1, column: 1)
            case .documentStart(let start):
                guard root == nil else {
                    // A further document is allowed only when empty (a closing `---` or `...`).
                    let first = try next()
                    if case .scalar("", plain: true, anchor: nil, tag: nil, _, _) = first { continue }
                    let at = Self.start(of: first) ?? start
                    throw YAMLError(line: at.line + 1, column: at.column + 1,
                                    message: "a rule file holds one YAML document; put more rules in the same list or in another file")
                }
                let node = try documentRoot()
                if case .scalar("", quoted: false) = node.value {
                    root = YAMLNode(value: .mapping([]), line: start.line + 1, column: 1)
                } else {
                    root = node
                }
            default:
                // libyaml puts every node inside a document.
                throw YAMLError(line: 1, column: 1, message: "unexpected YAML structure")
            }
        }
    }

    private static func start(of event: YAMLEvent) -> YAMLEvent.Mark? {
        switch event {
        case .scalar(_, _, _, _, let at, _), .alias(_, let at, _), .sequenceStart(_, _, _, let at),
             .mappingStart(_, _, _, let at), .documentStart(let at):
            return at
        default:
            return nil
        }
    }

    /// Reads events until the document's top node is complete.
    private mutating func documentRoot() throws(YAMLError) -> YAMLNode {
        while true {
            let event = try next()
            let finished: Built
            switch event {
            case .scalar(let value, let plain, let anchor, let tag, let at, let end):
                let quoted = try Self.isQuoted(plain: plain, tag: tag, at: at)
                finished = Built(node: YAMLNode(value: .scalar(value, quoted: quoted), line: at.line + 1, column: at.column + 1),
                                 size: 1, height: 0)
                if let anchor { anchors[anchor] = finished }
                lastEnd = end
                justClosed = nil
            case .alias(let name, let at, let end):
                finished = try resolve(name, at: at)
                lastEnd = end
                justClosed = nil
            case .sequenceStart(let anchor, let tag, let flow, let at):
                try open(isMapping: false, anchor: anchor, tag: tag, flow: flow, at: at)
                continue
            case .mappingStart(let anchor, let tag, let flow, let at):
                try open(isMapping: true, anchor: anchor, tag: tag, flow: flow, at: at)
                continue
            case .sequenceEnd(let end), .mappingEnd(let end):
                guard let frame = frames.popLast() else {
                    throw YAMLError(line: end.line + 1, column: end.column + 1, message: "unexpected YAML structure")
                }
                finished = Self.close(frame)
                if let anchor = frame.anchor { anchors[anchor] = finished }
                if frame.isFlow {
                    lastEnd = end
                    justClosed = nil
                } else {
                    justClosed = YAMLSyntaxMessage.Collection(isMapping: frame.isMapping, line: frame.line, column: frame.column)
                }
            case .streamStart, .streamEnd, .documentStart, .documentEnd:
                throw YAMLError(line: 1, column: 1, message: "unexpected YAML structure")
            }
            if frames.isEmpty { return finished.node }
            try add(finished)
        }
    }

    /// Tags are refused unless they only say what the node is anyway; `!` and `!!str` make a scalar text.
    private static func isQuoted(plain: Bool, tag: String?, at: YAMLEvent.Mark) throws(YAMLError) -> Bool {
        guard let tag else { return !plain }
        if tag == "!" || tag == "tag:yaml.org,2002:str" { return true }
        throw unsupported(tag: tag, at: at)
    }

    private static func unsupported(tag: String, at: YAMLEvent.Mark) -> YAMLError {
        let standard = "tag:yaml.org,2002:"
        let written = tag.hasPrefix(standard) ? "!!" + tag.dropFirst(standard.count) : tag
        return YAMLError(line: at.line + 1, column: at.column + 1,
                         message: "tags ('\(written)') are not supported in rule files: every value is read as text; remove the tag")
    }

    private mutating func open(isMapping: Bool, anchor: String?, tag: String?, flow: Bool, at: YAMLEvent.Mark) throws(YAMLError) {
        if let tag, tag != "!", tag != (isMapping ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq") {
            throw Self.unsupported(tag: tag, at: at)
        }
        guard frames.count < Self.maxDepth else {
            throw YAMLError(line: at.line + 1, column: at.column + 1, message: "nested more than \(Self.maxDepth) levels deep")
        }
        frames.append(Frame(isMapping: isMapping, isFlow: flow, line: at.line + 1, column: at.column + 1, anchor: anchor))
        justClosed = nil
    }

    /// The node an alias names, counted against the bounds.
    private mutating func resolve(_ name: String, at: YAMLEvent.Mark) throws(YAMLError) -> Built {
        func fail(_ message: String) -> YAMLError { YAMLError(line: at.line + 1, column: at.column + 1, message: message) }
        guard let target = anchors[name] else {
            if frames.contains(where: { $0.anchor == name }) {
                throw fail("the alias '*\(name)' is inside the node '&\(name)' it names; a node cannot contain itself")
            }
            throw fail("the alias '*\(name)' names no anchor above it; mark a node with '&\(name)' before using '*\(name)'")
        }
        aliasNodes += target.size
        guard aliasNodes <= Self.maxAliasNodes else {
            throw fail("aliases expand this file to more than \(Self.maxAliasNodes) nodes; write the repeated parts out, or alias fewer of them")
        }
        guard frames.count + target.height <= Self.maxDepth else {
            throw fail("nested more than \(Self.maxDepth) levels deep (counting what the alias '*\(name)' brings in)")
        }
        return target
    }

    /// Adds a finished node to the collection on top of the stack.
    private mutating func add(_ child: Built) throws(YAMLError) {
        let top = frames.count - 1
        frames[top].size += child.size
        frames[top].height = max(frames[top].height, child.height + 1)
        guard frames[top].isMapping else {
            frames[top].items.append(child.node)
            return
        }
        guard let key = frames[top].key else {
            guard case .scalar(let text, let quoted) = child.node.value else {
                throw YAMLError(line: child.node.line, column: child.node.column,
                                message: "a key must be text, not a list or a mapping")
            }
            if text != "<<" || quoted {
                if let first = frames[top].keyLines[text] {
                    throw YAMLError(line: child.node.line, column: child.node.column,
                                    message: "duplicate key '\(text)' (first on line \(first))")
                }
                frames[top].keyLines[text] = child.node.line
            }
            frames[top].key = child.node
            return
        }
        frames[top].key = nil
        if case .scalar("<<", quoted: false) = key.value {
            frames[top].merges.append((frames[top].entries.count, try Self.mergeSources(child.node)))
        } else {
            frames[top].entries.append(YAMLEntry(key: key, value: child.node))
        }
    }

    /// The entries a `<<` merge key brings in: one mapping, or a list of them (earlier ones win).
    private static func mergeSources(_ value: YAMLNode) throws(YAMLError) -> [YAMLEntry] {
        let message = "'<<' merges mappings into this one: write '<<: *name' (or '<<: [*a, *b]') where '&name' marks a mapping"
        switch value.value {
        case .mapping(let entries):
            return entries
        case .sequence(let items):
            var entries: [YAMLEntry] = []
            for item in items {
                guard case .mapping(let more) = item.value else {
                    throw YAMLError(line: item.line, column: item.column, message: message)
                }
                entries += more
            }
            return entries
        case .scalar:
            throw YAMLError(line: value.line, column: value.column, message: message)
        }
    }

    private static func close(_ frame: Frame) -> Built {
        let value: YAMLNode.Value
        if !frame.isMapping {
            value = .sequence(frame.items)
        } else if frame.merges.isEmpty {
            value = .mapping(frame.entries)
        } else {
            // Merged entries go where their `<<` stood; keys written in the mapping itself win.
            var present = Set(frame.keyLines.keys)
            var entries: [YAMLEntry] = []
            var merge = 0
            for position in 0...frame.entries.count {
                while merge < frame.merges.count, frame.merges[merge].position == position {
                    for entry in frame.merges[merge].entries where present.insert(entry.key.scalar ?? "").inserted {
                        entries.append(entry)
                    }
                    merge += 1
                }
                if position < frame.entries.count { entries.append(frame.entries[position]) }
            }
            value = .mapping(entries)
        }
        return Built(node: YAMLNode(value: value, line: frame.line, column: frame.column), size: frame.size, height: frame.height)
    }
}
