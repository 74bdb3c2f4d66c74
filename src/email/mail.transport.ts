import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../config/app.config';
import { MetricsService, type EmailKind } from '../observability/metrics.service';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/**
 * The SMTP relay (nodemailer, SMTP_URL): one connection per mail, bounded waits, every outcome
 * counted in /metrics. Absent when SMTP_URL is unset.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly transport: Transporter | undefined;
  private readonly from: string;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.from = config.email.from;
    this.transport =
      config.email.smtpUrl === undefined
        ? undefined
        : createTransport({
            url: config.email.smtpUrl,
            connectionTimeout: 10_000,
            greetingTimeout: 10_000,
            socketTimeout: 30_000,
          });
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  /** Hands the mail to the relay; throws (counted as failed) when it is refused or unreachable. */
  async send(kind: EmailKind, mail: OutgoingMail): Promise<void> {
    if (!this.transport) throw new Error('SMTP_URL is not set');
    try {
      await this.transport.sendMail({ from: this.from, ...mail });
    } catch (error) {
      this.metrics.emailFailed(kind);
      throw error;
    }
    this.metrics.emailSent(kind);
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
