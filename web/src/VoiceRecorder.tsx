import { useRef, useState } from 'preact/hooks';
import { t } from './i18n.ts';
import { Icon } from './icons.tsx';

/** Records a voice message with MediaRecorder; hands over the audio and a waveform (≤ 128 levels in 0–1). */
export function VoiceRecorder({
  onDone,
  onError,
}: {
  onDone: (blob: Blob, waveform: number[]) => void;
  onError: () => void;
}) {
  const [recording, setRecording] = useState(false);
  const stopRef = useRef<() => void>(() => {});

  const start = async () => {
    if (typeof MediaRecorder === 'undefined') return onError();
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return onError();
    }
    const recorder = new MediaRecorder(stream);
    const chunks: Blob[] = [];
    const levels: number[] = [];
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    audio.createMediaStreamSource(stream).connect(analyser);
    const buffer = new Uint8Array(analyser.fftSize);
    const sampler = setInterval(() => {
      analyser.getByteTimeDomainData(buffer);
      let peak = 0;
      for (const v of buffer) peak = Math.max(peak, Math.abs(v - 128) / 128);
      levels.push(Math.min(1, peak));
    }, 100);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
      clearInterval(sampler);
      void audio.close();
      stream.getTracks().forEach((track) => track.stop());
      setRecording(false);
      const step = Math.max(1, Math.ceil(levels.length / 128));
      const waveform: number[] = [];
      for (let i = 0; i < levels.length; i += step)
        waveform.push(Math.round(Math.max(...levels.slice(i, i + step)) * 100) / 100);
      const blob = new Blob(chunks, { type: recorder.mimeType || 'audio/webm' });
      if (blob.size > 0) onDone(blob, waveform.slice(0, 128));
    };
    stopRef.current = () => recorder.state !== 'inactive' && recorder.stop();
    recorder.start();
    setRecording(true);
  };

  return recording ? (
    <button type="button" class="icon recording" aria-label={t('stop')} onClick={() => stopRef.current()}>
      <Icon name="stop" />
    </button>
  ) : (
    <button type="button" class="icon" aria-label={t('record')} onClick={() => void start()}>
      <Icon name="mic" />
    </button>
  );
}
