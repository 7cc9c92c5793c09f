import SondeAWS
import SondeCore
import Testing

@Suite("XML reader, AWS errors and CloudWatch responses")
struct AWSXMLTests {
    func parse(_ text: String) throws -> XMLElement { try XMLReader.parse(Array(text.utf8)) }

    @Test("a CloudWatch GetMetricData response as moto sends it")
    func getMetricData() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
              <GetMetricDataResult>
                <MetricDataResults>
                  <member>
                    <Id>total</Id>
                    <Label>EstimatedCharges Maximum</Label>
                    <Timestamps><member>2024-02-20T06:00:00Z</member><member>2024-02-01T06:00:00.250Z</member></Timestamps>
                    <Values><member>95.5</member><member>3</member></Values>
                    <StatusCode>Complete</StatusCode>
                  </member>
                  <member><Id>s0</Id><Label>AWS &amp; more</Label><Timestamps/><Values/><StatusCode>Forbidden</StatusCode></member>
                </MetricDataResults>
                <NextToken>abc==</NextToken>
                <Messages><member><Code>MaxQueryTimeRangeExceed</Code><Value>too long</Value></member></Messages>
              </GetMetricDataResult>
              <ResponseMetadata><RequestId>id-1</RequestId></ResponseMetadata>
            </GetMetricDataResponse>
            """
        let page = try CloudWatchXML.getMetricData(Array(text.utf8))
        #expect(page.results.count == 2)
        #expect(page.results[0].id == "total")
        #expect(page.results[0].points == [
            MetricDataResult.Point(timestamp: 1_708_408_800_000, value: 95.5), MetricDataResult.Point(timestamp: 1_706_767_200_250, value: 3),
        ])
        #expect(page.results[0].statusCode == "Complete")
        #expect(page.results[1].label == "AWS & more")
        #expect(page.results[1].points.isEmpty)
        #expect(page.results[1].statusCode == "Forbidden")
        #expect(page.nextToken == "abc==")
        #expect(page.messages == ["MaxQueryTimeRangeExceed: too long"])
    }

    @Test("responses that are well-formed but wrong are refused with the reason", arguments: [
        ("<ListMetricsResponse/>", "expected <GetMetricDataResponse><GetMetricDataResult>, found <ListMetricsResponse>"),
        ("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>a</Id><Timestamps><member>2024-02-01T00:00:00Z</member></Timestamps><Values/></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>",
         "result a: 1 timestamps but 0 values"),
        ("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>a</Id><Timestamps><member>yesterday</member></Timestamps><Values><member>1</member></Values></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>",
         "result a: unreadable timestamp \"yesterday\""),
        ("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>a</Id><Timestamps><member>2024-02-01T00:00:00Z</member></Timestamps><Values><member>NaN</member></Values></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>",
         "result a: unreadable value \"NaN\""),
        ("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Label>x</Label></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>",
         "a MetricDataResults member without Id"),
    ])
    func wrongShape(_ text: String, _ message: String) throws {
        let error = try #require(throws: CloudWatchXML.ShapeError.self) { try CloudWatchXML.getMetricData(Array(text.utf8)) }
        #expect(error.message == message)
    }

    @Test("ListMetrics: metrics with their dimensions, and NextToken")
    func listMetrics() throws {
        let root = try parse("""
            <ListMetricsResponse><ListMetricsResult><Metrics>
            <member><Namespace>AWS/Billing</Namespace><MetricName>EstimatedCharges</MetricName><Dimensions>
            <member><Name>ServiceName</Name><Value>AmazonEC2</Value></member><member><Name>Currency</Name><Value>USD</Value></member></Dimensions></member>
            </Metrics><NextToken>t2</NextToken></ListMetricsResult></ListMetricsResponse>
            """)
        let page = try CloudWatchXML.listMetrics(root)
        #expect(page.metrics == [CloudWatchClient.Metric(namespace: "AWS/Billing", name: "EstimatedCharges", dimensions: [.init("ServiceName", "AmazonEC2"), .init("Currency", "USD")])])
        #expect(page.nextToken == "t2")
    }

    @Test("entities, character references, CDATA, comments, prefixes and attributes")
    func syntax() throws {
        let root = try parse("\u{FEFF}<!-- c --><a:Root xmlns:a='x' b = \"1\"><v>&lt;&#65;&#x42;&quot;&apos;&gt;<![CDATA[<&>]]><!-- no --></v><e/></a:Root>\n")
        #expect(root.name == "Root")
        #expect(root.child("v")?.text == "<AB\"'><&>")
        #expect(root.child("e")?.text == "")
        #expect(root.path("v")?.children.isEmpty == true)
    }

    @Test("malformed or dangerous documents are refused at a position", arguments: [
        ("", "no root element"),
        ("<a>", "<a> is not closed"),
        ("<a></b>", "</b> closes <a>"),
        ("<a>&foo;</a>", "unknown entity &foo;"),
        ("<a>&#0;</a>", "invalid character reference &#0;"),
        ("<a>&#x110000;</a>", "invalid character reference &#x110000;"),
        ("<a>&amp</a>", "unterminated entity reference"),
        ("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "DTDs and declarations are not accepted"),
        ("<a/><b/>", "content after the root element"),
        ("<a b=c/>", "expected a quoted attribute value"),
        ("<a b='<'/>", "'<' in an attribute value"),
        ("<1a/>", "a name cannot start with '1'"),
        ("<a><!-- x </a>", "unterminated comment"),
    ])
    func malformed(_ text: String, _ message: String) {
        let error = #expect(throws: XMLParseError.self) { try XMLReader.parse(Array(text.utf8)) }
        #expect(error?.message == message)
        #expect((error?.offset ?? -1) >= 0 && (error?.offset ?? Int.max) <= text.utf8.count)
    }

    @Test("nesting and element counts are bounded")
    func limits() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        #expect(throws: XMLParseError(offset: 192, message: "elements nested deeper than 64")) { try XMLReader.parse(Array(deep.utf8)) }
        let within = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        #expect(throws: Never.self) { try XMLReader.parse(Array(within.utf8)) }
        let wide = "<r>" + String(repeating: "<m/>", count: 10) + "</r>"
        #expect(throws: XMLParseError.self) { try XMLReader.parse(Array(wide.utf8), limits: XMLReader.Limits(maxElements: 10)) }
    }

    @Test("AWS error bodies: query protocol, moto's Errors wrapper, EC2, and not an error")
    func errors() {
        let query = AWSErrorResponse.parse(Array("<ErrorResponse xmlns=\"x\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>".utf8))
        #expect(query == AWSErrorResponse(code: "Throttling", message: "Rate exceeded", type: "Sender", requestID: "r1"))
        let moto = AWSErrorResponse.parse(Array("<?xml version=\"1.0\"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message><Type>Sender</Type></Error></Errors></ErrorResponse>".utf8))
        #expect(moto?.code == "AccessDenied")
        #expect(AWSErrorResponse.parse(Array("<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>".utf8))?.requestID == "r")
        #expect(AWSErrorResponse.parse(Array("<html>502 Bad Gateway</html>".utf8)) == nil)
        #expect(AWSErrorResponse.parse(Array("not xml".utf8)) == nil)
        #expect(AWSErrorResponse.parse(Array("<ErrorResponse><Error><Message>no code</Message></Error></ErrorResponse>".utf8)) == nil)
    }

    @Test("AWS timestamps: Z, fractions, offsets; impossible dates refused")
    func timestamps() {
        #expect(RFC3339.milliseconds("2024-02-29T12:00:00Z") == 1_709_208_000_000)
        #expect(RFC3339.milliseconds("2024-02-29T12:00:00.5Z") == 1_709_208_000_500)
        #expect(RFC3339.milliseconds("2024-02-29T13:30:00+01:30") == 1_709_208_000_000)
        #expect(RFC3339.milliseconds("2023-02-29T12:00:00Z") == nil)
        #expect(RFC3339.milliseconds("2024-02-29T12:00:00") == nil)
        #expect(RFC3339.milliseconds("2024-02-29T24:00:00Z") == nil)
        #expect(RFC3339.milliseconds("2024-02-29T12:00:00Zjunk") == nil)
        #expect(AWSTimestamp.format(milliseconds: 1_709_208_000_999) == "2024-02-29T12:00:00Z")
    }
}
