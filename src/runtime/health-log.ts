// What the running server tells about health: every change of health is logged with its reason (the first place
// an operator looks), and several observers (metrics, the log, the history) hear the monitor as one.

import type { Logger } from '../base/logger.js';
import type { HealthObserver, TransitionCause } from '../health/monitor.js';
import type { AddressRef } from '../base/names.js';
import type { Health, ObservedResult } from '../health/state.js';

export function loggingObserver(logger: Logger): HealthObserver {
  return {
    onTrack: () => {},
    onForget: () => {},
    onRelabel: () => {},
    onResult: (ref: AddressRef, result: ObservedResult) => {
      if (!result.ok) logger.debug('probe failed', { ...ref, reason: result.reason });
    },
    onTransition: (ref: AddressRef, from: Health, to: Health, cause: TransitionCause) => {
      const fields = { ...ref, from, to, reason: cause.reason, ...(cause.durationMs === undefined ? {} : { durationMs: Math.round(cause.durationMs) }) };
      if (to === 'down') logger.warn('target down', fields);
      else logger.info(to === 'up' && from === 'unknown' ? 'target up (first probe)' : 'target up', fields);
    },
  };
}

export function fanOut(observers: readonly HealthObserver[]): HealthObserver {
  return {
    onTrack: (ref) => observers.forEach((o) => o.onTrack(ref)),
    onForget: (ref) => observers.forEach((o) => o.onForget(ref)),
    onRelabel: (before, after, health) => observers.forEach((o) => o.onRelabel(before, after, health)),
    onResult: (ref, result) => observers.forEach((o) => o.onResult(ref, result)),
    onTransition: (ref, from, to, result) => observers.forEach((o) => o.onTransition(ref, from, to, result)),
  };
}
