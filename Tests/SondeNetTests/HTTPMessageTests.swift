import SondeNet
import Testing

@Suite("HTTP messages")
struct HTTPMessageTests {
    @Test("a response's text decodes its body as UTF-8")
    func text() {
        #expect(HTTPResponse(status: 200, body: Array("i-0123".utf8)).text == "i-0123")
    }
}
