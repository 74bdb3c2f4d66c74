import { DEFAULT_PUSH_ENDPOINT_HOSTS } from '../config/app.config';
import { endpointRefusal } from './push-endpoint.policy';

const DEFAULTS = DEFAULT_PUSH_ENDPOINT_HOSTS.map((host) => ({ host, port: 443 }));

describe('endpointRefusal', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/abc:def',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
    'https://web.push.apple.com/QGuQyavXutnMH',
    'https://wns2-par02p.notify.windows.com/w/?token=BQYAAA',
    'https://FCM.googleapis.com:443/fcm/send/x',
  ])('accepts the browser push service %s', (endpoint) => {
    expect(endpointRefusal(endpoint, DEFAULTS)).toBeNull();
  });

  it.each([
    ['http://fcm.googleapis.com/fcm/send/x', /https/],
    ['https://user:pw@fcm.googleapis.com/fcm/send/x', /credentials/],
    ['https://fcm.googleapis.com:8443/fcm/send/x', /allowed/],
    ['https://notify.windows.com/x', /allowed/],
    ['https://evil.example/notify.windows.com', /allowed/],
    ['https://fcm.googleapis.com.evil.example/x', /allowed/],
    ['https://127.0.0.1/x', /allowed/],
    ['https://[::1]/x', /allowed/],
    ['https://169.254.169.254/latest/meta-data', /allowed/],
    ['https://localhost/x', /allowed/],
    ['not a url', /URL/],
    ['file:///etc/passwd', /https/],
  ])('refuses %s', (endpoint, why) => {
    expect(endpointRefusal(endpoint, DEFAULTS)).toMatch(why);
  });

  it('takes a configured list instead, IP literals and ports only as listed', () => {
    const local = [{ host: '127.0.0.1', port: 8443 }];
    expect(endpointRefusal('https://127.0.0.1:8443/push/1', local)).toBeNull();
    expect(endpointRefusal('https://127.0.0.1/push/1', local)).toMatch(/allowed/);
    expect(endpointRefusal('https://fcm.googleapis.com/fcm/send/x', local)).toMatch(/allowed/);
    expect(endpointRefusal('https://1.2.3.4/x', [{ host: '*.notify.windows.com', port: 443 }])).toMatch(
      /allowed/,
    );
  });
});
