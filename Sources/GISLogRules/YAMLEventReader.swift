internal import CYAML

/// One libyaml event, copied out of C (the reader frees the C event before it returns this).
enum YAMLEvent {
    /// A node's place: 0-based line and column (columns count Unicode scalars), as libyaml marks them.
    struct Mark {
        var line: Int
        var column: Int
    }

    case streamStart, streamEnd
    case documentStart(Mark), documentEnd
    case alias(anchor: String, at: Mark, end: Mark)
    /// `plain` is false for quoted and block scalars.
    case scalar(String, plain: Bool, anchor: String?, tag: String?, at: Mark, end: Mark)
    /// `flow` for `[…]` and `{…}`, false for indented block collections.
    case sequenceStart(anchor: String?, tag: String?, flow: Bool, at: Mark)
    case mappingStart(anchor: String?, tag: String?, flow: Bool, at: Mark)
    case sequenceEnd(end: Mark), mappingEnd(end: Mark)
}

/// A syntax error as libyaml reports it: its problem and context texts with their places.
struct LibYAMLError: Error {
    /// Bad input bytes (a control character): only `problemOffset` and `problemValue` are set.
    var isReaderError: Bool
    var problem: String
    var problemMark: YAMLEvent.Mark
    /// What libyaml was reading, e.g. "while scanning a quoted scalar", and where that started.
    var context: String?
    var contextMark: YAMLEvent.Mark
    /// Byte offset and character of a reader error.
    var problemOffset: Int
    var problemValue: Int
}

/// Reads YAML text as libyaml events. Owns the `yaml_parser_t` and the bytes it reads; deinit frees both.
///
/// libyaml keeps its own stacks on the heap, so no input nests it deep into the C stack; the tree builder
/// bounds nesting, aliases and size itself.
final class YAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    /// The UTF-8 text, kept alive here because libyaml reads it in place while parsing.
    private let input: UnsafeMutableBufferPointer<UInt8>

    /// Nil only when libyaml cannot allocate its buffers.
    init?(_ text: String) {
        parser = .allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            return nil
        }
        // libyaml asserts a non-null input pointer, even for empty text.
        input = .allocate(capacity: max(text.utf8.count, 1))
        _ = input.initialize(from: text.utf8)
        yaml_parser_set_input_string(parser, input.baseAddress, text.utf8.count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event; after `streamEnd` libyaml only repeats it.
    /// - Throws: libyaml's own account of a syntax error (the tree builder rewords it for people).
    func next() throws(LibYAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            let state = parser.pointee
            throw LibYAMLError(
                isReaderError: state.error == YAML_READER_ERROR,
                problem: state.problem.map { String(cString: $0) }
                    ?? (state.error == YAML_MEMORY_ERROR ? "out of memory" : "syntax error"),
                problemMark: .init(line: Int(state.problem_mark.line), column: Int(state.problem_mark.column)),
                context: state.context.map { String(cString: $0) },
                contextMark: .init(line: Int(state.context_mark.line), column: Int(state.context_mark.column)),
                problemOffset: state.problem_offset, problemValue: Int(state.problem_value))
        }
        defer { yaml_event_delete(&event) }
        let start = YAMLEvent.Mark(line: Int(event.start_mark.line), column: Int(event.start_mark.column))
        let end = YAMLEvent.Mark(line: Int(event.end_mark.line), column: Int(event.end_mark.column))
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(start)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", at: start, end: end)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self) } ?? ""
            return .scalar(value, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, anchor: Self.string(scalar.anchor),
                           tag: Self.string(scalar.tag), at: start, end: end)
        case YAML_SEQUENCE_START_EVENT:
            let sequence = event.data.sequence_start
            return .sequenceStart(anchor: Self.string(sequence.anchor), tag: Self.string(sequence.tag),
                                  flow: sequence.style == YAML_FLOW_SEQUENCE_STYLE, at: start)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd(end: end)
        case YAML_MAPPING_START_EVENT:
            let mapping = event.data.mapping_start
            return .mappingStart(anchor: Self.string(mapping.anchor), tag: Self.string(mapping.tag),
                                 flow: mapping.style == YAML_FLOW_MAPPING_STYLE, at: start)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd(end: end)
        default:
            return .streamEnd
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
