import SondeCore
import Testing

@Suite("YAML parser")
struct YAMLParserTests {
    static let architectureExample = #"""
    storage:
      max_bytes: 256MiB          # hard budget for all tiers together
      max_series: 50000
      flush_interval: 1s
    api:
      listen: 127.0.0.1:9464
      token_file: /etc/sonde/api.token
    collectors:
      host: {interval: 10s}
      process:
        interval: 10s
        groups:
          - name: gunicorn
            match: {cmdline: 'gunicorn: master \[myapp\]'}
      systemd: {units: [myapp.service, nginx.service, postgresql.service]}
      statsd: {listen: 127.0.0.1:8125}
      gunicorn:
        - app: myapp
          access_log: /var/log/myapp/access.log
          format: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
      postgres:
        - name: main
          dsn: postgres://sonde@127.0.0.1:5432/postgres?sslmode=prefer
          password: ${file:/etc/sonde/pg.password}
      probes:
        - name: health
          url: https://example.com/health/
          interval: 30s
          expect_status: [200]
      billing: {enabled: false, interval: 1h}
    rules:
      files: [/etc/sonde/alerts/*.yaml]
      evaluation_interval: 10s
    """#

    @Test("the architecture's example configuration")
    func architectureExample() throws {
        let root = try YAMLParser.parse(YAMLParserTests.architectureExample, file: "sonde.yaml")
        #expect(root.mapping?.map(\.key) == ["storage", "api", "collectors", "rules"])
        #expect(root["storage"]?["max_bytes"]?.scalar == "256MiB")
        #expect(root["storage"]?["max_bytes"]?.position == YAMLPosition(file: "sonde.yaml", line: 2, column: 14))
        #expect(root["collectors"]?["host"]?["interval"]?.scalar == "10s")
        let group = try #require(root["collectors"]?["process"]?["groups"]?.sequence?.first)
        #expect(group["name"]?.scalar == "gunicorn")
        #expect(group["match"]?["cmdline"]?.scalar == #"gunicorn: master \[myapp\]"#)
        #expect(root["collectors"]?["systemd"]?["units"]?.sequence?.compactMap(\.scalar) == ["myapp.service", "nginx.service", "postgresql.service"])
        #expect(root["collectors"]?["gunicorn"]?.sequence?.first?["format"]?.scalar?.hasPrefix("%(h)s %(l)s") == true)
        #expect(root["collectors"]?["postgres"]?.sequence?.first?["password"]?.scalar == "${file:/etc/sonde/pg.password}")
        #expect(root["collectors"]?["probes"]?.sequence?.first?["expect_status"]?.sequence?.first?.scalar == "200")
        #expect(root["rules"]?["files"]?.sequence?.first?.scalar == "/etc/sonde/alerts/*.yaml")
        #expect(root["collectors"]?["billing"]?["enabled"]?.scalar == "false")
    }

    @Test("Prometheus rule files: lists at their key's indentation, block scalars, annotations")
    func ruleFile() throws {
        let text = """
            groups:
            - name: host
              rules:
              - alert: HostHighCpu
                expr: |
                  host_cpu_utilization_percent
                    > 80
                for: 5m
                labels:
                  severity: warning
                annotations:
                  summary: "CPU at {{ $value }}% on {{ $labels.instance }}"
                  description: >-
                    CPU has been above 80%
                    for five minutes.

                    Check the top processes.
              - record: job:up:sum
                expr: sum(up)
            """
        let root = try YAMLParser.parse(text)
        let rules = try #require(root["groups"]?.sequence?.first?["rules"]?.sequence)
        #expect(rules.count == 2)
        #expect(rules[0]["expr"]?.scalar == "host_cpu_utilization_percent\n  > 80\n")
        #expect(rules[0]["annotations"]?["summary"]?.scalar == "CPU at {{ $value }}% on {{ $labels.instance }}")
        #expect(rules[0]["annotations"]?["description"]?.scalar == "CPU has been above 80% for five minutes.\nCheck the top processes.")
        #expect(rules[1]["record"]?.scalar == "job:up:sum")
    }

    @Test("scalars: quotes, escapes, folding, comments, empty values")
    func scalars() throws {
        let text = """
            a: 'it''s # not a comment'
            b: "tab\\tnew\\nline \\u00e9 \\x41"
            c: plain text   # comment
            d:
            e: ~
            f: multi
              line plain
            g: "folded
              quoted"
            h: |+
              keep

            i: x:y
            """
        let root = try YAMLParser.parse(text)
        #expect(root["a"]?.scalar == "it's # not a comment")
        #expect(root["b"]?.scalar == "tab\tnew\nline é A")
        #expect(root["c"]?.scalar == "plain text")
        #expect(root["d"]?.isNull == true)
        #expect(root["e"]?.isNull == true)
        #expect(root["f"]?.scalar == "multi line plain")
        #expect(root["g"]?.scalar == "folded quoted")
        #expect(root["h"]?.scalar == "keep\n\n")
        #expect(root["i"]?.scalar == "x:y")
    }

    @Test("flow collections across lines, nested")
    func flow() throws {
        let root = try YAMLParser.parse("""
            x: [1, [2, 3], {a: b, 'c': "d"},
                last]
            y: {}
            z: []
            """)
        let items = try #require(root["x"]?.sequence)
        #expect(items.count == 4)
        #expect(items[1].sequence?.compactMap(\.scalar) == ["2", "3"])
        #expect(items[2]["c"]?.scalar == "d")
        #expect(items[3].scalar == "last")
        #expect(root["y"]?.mapping?.isEmpty == true)
        #expect(root["z"]?.sequence?.isEmpty == true)
    }

    @Test("errors name line, column and what was expected", arguments: [
        ("a: 1\na: 2", 2, 1, "duplicate key \"a\""),
        ("a:\n\tb: 1", 2, 1, "tabs are not allowed for indentation; use spaces"),
        ("a: &x 1", 1, 4, "anchors and aliases are not supported"),
        ("a: !!str 1", 1, 4, "tags are not supported"),
        ("a: 'open", 1, 4, "unterminated string, expected a closing '"),
        ("a: [1, 2", 1, 9, "unexpected end of file, expected \",\" or \"]\""),
        ("a: {b c}", 1, 8, "unexpected \"}\", expected \":\" after the key \"b c\""),
        ("a:\n  b: 1\n    c: 2", 3, 5, "unexpected indentation, expected a key at column 3 or a line indented less"),
        ("- a\nb: 1", 2, 1, "unexpected \"b\" at indentation 0, expected the end of the document or a line indented like its parent"),
        ("a: \"\\q\"", 1, 5, "unknown escape sequence \"\\q\""),
        ("a: 1\n---\nb: 2", 2, 1, "several documents in one file are not supported"),
        ("? a\n: b", 1, 1, "complex mapping keys (\"? \") are not supported"),
    ])
    func errors(text: String, line: Int, column: Int, message: String) {
        #expect(throws: ParseError(file: "f.yaml", line: line, column: column, message: message)) {
            try YAMLParser.parse(text, file: "f.yaml")
        }
    }

    @Test("an empty file, a comment-only file and document markers")
    func documents() throws {
        #expect(try YAMLParser.parse("").isNull)
        #expect(try YAMLParser.parse("# nothing\n\n").isNull)
        #expect(try YAMLParser.parse("---\na: 1\n...\n")["a"]?.scalar == "1")
    }

    @Test("random bytes never crash the parser")
    func garbage() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(" \t\n-:#'\"[]{},|>&*!?abc123\\".utf8)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0..<60, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 32 }
            _ = try? YAMLParser.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}
