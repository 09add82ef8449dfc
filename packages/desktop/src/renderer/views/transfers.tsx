import { formatBytes, formatClock, transferSpeed } from '@cryptully/core/protocol';
import type { FileTransfer } from '../state.js';
import { useActions } from './app-context.js';

/** One line under a moving transfer's bar: bytes, rate and time left. */
function progressText(t: FileTransfer): string {
  const amount = `${formatBytes(t.bytes)} of ${formatBytes(t.size)}`;
  const speed = transferSpeed(t);
  return speed
    ? `${amount}, ${formatBytes(Math.round(speed.perSecond))}/s, ${formatClock(speed.secondsLeft)} left`
    : amount;
}

function TransferRow({ t, friend }: { t: FileTransfer; friend: string }) {
  const { send, dispatch, cancelUpload, reveal } = useActions();
  const dismiss = () => dispatch({ type: 'dismiss-transfer', peer: t.peer, id: t.id });
  const cancel = () => {
    if (t.state === 'uploading') {
      cancelUpload(t.id);
      dismiss();
    } else {
      send({ cmd: 'cancel-file', peer: t.peer, id: t.id });
    }
  };
  const what = t.entries === undefined ? 'file' : 'folder';
  const size =
    t.entries === undefined
      ? formatBytes(t.size)
      : `${t.entries} ${t.entries === 1 ? 'file' : 'files'}, ${formatBytes(t.size)}`;
  let status: string;
  let buttons: preact.JSX.Element[] = [];
  const button = (label: string, onClick: () => void, tone = 'secondary') => (
    <button
      key={label}
      type="button"
      class={tone}
      aria-label={`${label} ${t.name}`}
      onClick={onClick}
    >
      {label}
    </button>
  );
  switch (t.state) {
    case 'uploading':
      status = `Preparing to send: ${progressText(t)}`;
      buttons = [button('Cancel', cancel)];
      break;
    case 'preparing':
      status = `Getting ready… ${progressText(t)}`;
      buttons = [button('Cancel', cancel)];
      break;
    case 'offered':
      if (t.direction === 'in') {
        status = `${friend} offers this ${what} (${size}).`;
        buttons = [
          button('Accept', () => send({ cmd: 'accept-file', peer: t.peer, id: t.id }), 'primary'),
          button('Decline', () => send({ cmd: 'decline-file', peer: t.peer, id: t.id })),
        ];
      } else {
        status = `Waiting for ${friend} to accept (${size}).`;
        buttons = [button('Cancel', cancel)];
      }
      break;
    case 'moving':
      status = `${t.direction === 'in' ? 'Receiving' : 'Sending'}: ${progressText(t)}`;
      buttons = [button('Cancel', cancel)];
      break;
    case 'done':
      if (t.direction === 'in') {
        status = reveal ? `Received (${size}).` : `Received (${size}), saved to ${t.path}`;
        if (reveal) {
          buttons = [
            button('Open', () => reveal({ action: 'open', peer: t.peer, id: t.id }), 'primary'),
            button('Show in folder', () => reveal({ action: 'show', peer: t.peer, id: t.id })),
          ];
        }
      } else {
        status = `Sent (${size}); ${friend} has it.`;
      }
      buttons.push(button('Dismiss', dismiss));
      break;
    case 'failed':
      status = t.message ?? 'The transfer failed.';
      buttons = [button('Dismiss', dismiss)];
      break;
  }
  const moving = t.state === 'uploading' || t.state === 'preparing' || t.state === 'moving';
  return (
    <li class={`transfer ${t.state}`} aria-label={t.name}>
      <div class="transfer-head">
        <span class="transfer-icon" aria-hidden="true">
          {t.direction === 'in' ? '↓' : '↑'}
        </span>
        <span class="transfer-name">{t.name}</span>
      </div>
      {moving && (
        <progress
          max={Math.max(1, t.size)}
          value={t.bytes}
          aria-label={`${t.direction === 'in' ? 'Receiving' : t.state === 'preparing' ? 'Getting ready' : 'Sending'} ${t.name}`}
        />
      )}
      <div class="transfer-foot">
        <span class="transfer-status">{status}</span>
        <span class="transfer-actions">{buttons}</span>
      </div>
    </li>
  );
}

/** The file transfers with one friend, above the composer. */
export function Transfers({ transfers, friend }: { transfers: FileTransfer[]; friend: string }) {
  if (transfers.length === 0) return null;
  return (
    <ul class="transfers" aria-label={`Files with ${friend}`}>
      {transfers.map((t) => (
        <TransferRow key={`${t.peer}:${t.id}`} t={t} friend={friend} />
      ))}
    </ul>
  );
}
