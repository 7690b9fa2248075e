import { readOrganizationId } from '../../lib/runtime/schemes/senders/salesforce';

// round2: MAX_DECLARATIONS (16, salesforce.ts) counts namespace declarations over the whole message, but
// Salesforce declares xmlns:sf on every Notification's sObject and batches "up to 100 notifications" in one
// SOAP message (https://developer.salesforce.com/docs/atlas.en-us.246.0.api.meta/api/sforce_api_om_outboundmessaging_notifications.htm;
// the WSDL's Notification maxOccurs="100"). A genuine message of 13+ notifications is refused.
const ORG18 = '00D5e000000KQ2eEAG';
const notification = (i: number) =>
  `   <Notification>\n    <Id>04l5e00000Gx7Q${String(i).padStart(2, '0')}AAJ</Id>\n    <sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">\n     <sf:Id>0015e00000ZkM3hAAF</sf:Id>\n     <sf:Name>Acme</sf:Name>\n    </sObject>\n   </Notification>\n`;
const message = (n: number) =>
  '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
  ' <soapenv:Body>\n  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">\n' +
  `   <OrganizationId>${ORG18}</OrganizationId>\n   <ActionId>04k5e000000CaRkAAK</ActionId>\n   <SessionId xsi:nil="true"/>\n` +
  '   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/60.0/00D5e000000KQ2e</EnterpriseUrl>\n   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/60.0/00D5e000000KQ2e</PartnerUrl>\n' +
  Array.from({ length: n }, (_, i) => notification(i)).join('') +
  '  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n';

describe('round2: a genuine Salesforce batch', () => {
  test('one notification reads (control)', () => {
    expect(readOrganizationId(message(1))).toBe(ORG18);
  });
  test.each([13, 50, 100])('%i notifications (each sObject declaring xmlns:sf) read too', (n) => {
    expect(readOrganizationId(message(n))).toBe(ORG18);
  });
});
