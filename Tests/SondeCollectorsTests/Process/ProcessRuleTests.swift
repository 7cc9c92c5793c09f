@testable import SondeCollectors
import SondeCore
import Testing

@Suite("Process: group rules")
struct ProcessRuleTests {
    func matches(_ rules: [ProcessGroupRule], _ facts: FixedFacts, context: ProcessMatchContext = .init()) throws -> Bool {
        var facts = facts
        return try ProcessGroup.Match(ProcessGroup(name: "g", rules: rules)).matches(&facts, context: context)
    }

    @Test("comm is exact or a whole-value regex")
    func comm() throws {
        #expect(try matches([.comm("nginx")], FixedFacts(comm: "nginx")))
        #expect(try !matches([.comm("nginx")], FixedFacts(comm: "nginx-debug")))
        #expect(try !matches([.comm("ngin")], FixedFacts(comm: "nginx")))
        #expect(try matches([.comm("postgres|postmaster")], FixedFacts(comm: "postmaster")))
        #expect(try matches([.comm("py.*")], FixedFacts(comm: "python3")))
        #expect(try !matches([.comm("y.*")], FixedFacts(comm: "python3")))
        #expect(try matches([.comm(#"\(a\) b\)"#)], FixedFacts(comm: "(a) b)")))
    }

    @Test("cmdline is searched anywhere; exe must match whole, without ' (deleted)'")
    func cmdlineAndExe() throws {
        let facts = FixedFacts(comm: "python3", commandLine: "/srv/venv/bin/python3 /srv/venv/bin/gunicorn app:app",
                               exePath: "/usr/bin/python3.12")
        #expect(try matches([.cmdline("bin/gunicorn")], facts))
        #expect(try matches([.cmdline(#"gunicorn app:\w+"#)], facts))
        #expect(try !matches([.cmdline("^gunicorn")], facts))
        #expect(try matches([.exe(#"/usr/bin/python3(\.\d+)?"#)], facts))
        #expect(try !matches([.exe("python3")], facts))
        #expect(try !matches([.exe(".*")], FixedFacts(exePath: nil)))  // unreadable exe never matches
    }

    @Test("all rules must match, and expensive facts are read only when cheap rules pass")
    func conjunction() throws {
        let facts = FixedFacts(comm: "postgres", commandLine: "postgres -D /var/lib/pg", uid: 107, unit: "postgresql.service")
        let rules: [ProcessGroupRule] = [.comm("postgres"), .user("107"), .systemdUnit("postgresql")]
        #expect(try matches(rules, facts))
        #expect(try !matches(rules + [.cmdline("-D /other")], facts))

        var lazy = FixedFacts(comm: "bash")
        let match = try ProcessGroup.Match(ProcessGroup(name: "g", rules: [.user("0"), .cmdline("x"), .comm("nginx")]))
        #expect(!match.matches(&lazy, context: .init()))
        #expect(lazy.reads.isEmpty)
    }

    @Test("users by name through passwd, or by uid")
    func users() throws {
        let context = ProcessMatchContext(userIDs: ["postgres": 107, "www-data": 33])
        #expect(try matches([.user("postgres")], FixedFacts(uid: 107), context: context))
        #expect(try !matches([.user("www-data")], FixedFacts(uid: 107), context: context))
        #expect(try !matches([.user("nobody-here")], FixedFacts(uid: 107), context: context))
        #expect(try matches([.uid(33)], FixedFacts(uid: 33)))
        #expect(try !matches([.uid(33)], FixedFacts(uid: nil)))
    }

    @Test("pidfile and self compare PIDs read this scan")
    func perScan() throws {
        let context = ProcessMatchContext(selfPID: 42, pidfilePIDs: ["/run/nginx.pid": 100])
        #expect(try matches([.pidfile("/run/nginx.pid")], FixedFacts(pid: 100), context: context))
        #expect(try !matches([.pidfile("/run/nginx.pid")], FixedFacts(pid: 101), context: context))
        #expect(try !matches([.pidfile("/run/missing.pid")], FixedFacts(pid: 100), context: context))
        #expect(try matches([.currentProcess], FixedFacts(pid: 42), context: context))
        #expect(try !matches([.currentProcess], FixedFacts(pid: 43), context: context))
    }

    @Test("an invalid regular expression names the rule")
    func invalidRegex() {
        do {
            _ = try ProcessGroup.Match(ProcessGroup(name: "app", rules: [.comm("app"), .cmdline("gunicorn: master [app")]))
            Issue.record("no error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("cmdline: invalid regular expression \"gunicorn: master [app\": "), "\(error)")
        }
        #expect(throws: SondeError.self) { try ProcessGroup.Match(ProcessGroup(name: "a", rules: [.exe("(")])) }
        #expect(throws: SondeError.self) { try ProcessGroup.Match(ProcessGroup(name: "a", rules: [])) }
        #expect(throws: SondeError.self) { try ProcessGroup.Match(ProcessGroup(name: "", rules: [.comm("x")])) }
        #expect(throws: SondeError.self) { try ProcessGroup.Match(ProcessGroup(name: "a", rules: [.cmdline("")])) }
        #expect(throws: SondeError.self) {
            try ProcessCollector(groups: [ProcessGroup(name: "a", rules: [.comm("x")]), ProcessGroup(name: "a", rules: [.comm("y")])])
        }
    }

    @Test("the default gunicorn rule: setproctitle's master, or an interpreter running bin/gunicorn", arguments: [
        ("gunicorn: master [myapp]", true),
        ("gunicorn: master [myapp.wsgi:application]", true),
        ("/srv/app/venv/bin/python3 /srv/app/venv/bin/gunicorn myapp.wsgi:application -w 4", true),
        ("/usr/bin/python3.12 -u /usr/local/bin/gunicorn --config /etc/gunicorn.py myapp.wsgi", true),
        ("/srv/venv/bin/python -m gunicorn myapp.wsgi", true),
        ("/srv/venv/bin/gunicorn myapp.wsgi", true),
        ("gunicorn: worker [myapp]", false),
        ("vim /srv/venv/bin/gunicorn.conf.py", false),
        ("tail -f /var/log/gunicorn/error.log", false),
        ("/usr/bin/python3 manage.py runserver", false),
    ])
    func gunicornDefault(_ cmdline: String, _ expected: Bool) throws {
        let facts = FixedFacts(comm: "python3", commandLine: cmdline)
        #expect(try matches(ProcessGroup.gunicorn.rules, facts) == expected, "\(cmdline)")
    }

    @Test("the other defaults compile and match what they name")
    func defaults() throws {
        let matches = try ProcessGroup.defaults.map(ProcessGroup.Match.init)
        #expect(matches.map(\.group.name) == ["gunicorn", "postgres", "nginx", "sonde"])
        #expect(try self.matches(ProcessGroup.postgres.rules, FixedFacts(comm: "postgres")))
        #expect(try self.matches(ProcessGroup.postgres.rules, FixedFacts(comm: "postmaster")))
        #expect(try !self.matches(ProcessGroup.postgres.rules, FixedFacts(comm: "psql")))
        #expect(try self.matches(ProcessGroup.nginx.rules, FixedFacts(comm: "nginx")))
        #expect(try self.matches(ProcessGroup.sonde.rules, FixedFacts(pid: 9), context: ProcessMatchContext(selfPID: 9)))
    }
}
