// What a classified press does. The engine decides which tier a hold reached; this decides what
// that means for the recorder, given its current state.
import type { Logger } from "./log.js";
import type { AccountService, AuditSink } from "./services.js";

export type PressAction = "short" | "credential-reset" | "factory-reset";

export interface PressActionDeps {
  accounts: AccountService;
  recovery: { factoryReset(reason: string): Promise<unknown>; afterCredentialReset(): Promise<void> };
  controller: {
    actionDone(): void;
    statusShown(): void;
    setIndicatorState(s: { firstBoot: boolean; fault: string | null }): void;
  };
  audit: AuditSink;
  log: Logger;
}

export async function handlePressAction(action: PressAction, deps: PressActionDeps): Promise<void> {
  const { accounts, recovery, controller, audit, log } = deps;
  try {
    switch (action) {
      case "short": {
        const status = accounts.status();
        if (status.state === "first-boot") {
          accounts.openSetupWindow("short-press");
          log.info("short press: setup window reopened");
        } else {
          log.info({ state: status.state, generation: status.generation }, "short press: status");
          controller.statusShown();
        }
        return;
      }
      case "credential-reset": {
        const out = await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false });
        // Pending challenges, grant requests and the security-code lockout die with the credentials.
        await recovery.afterCredentialReset();
        log.info({ generation: out.generation }, "button: credentials reset to first boot");
        controller.actionDone();
        return;
      }
      case "factory-reset": {
        await recovery.factoryReset("button");
        log.info("button: factory reset done");
        controller.actionDone();
        return;
      }
    }
  } catch (err) {
    log.error({ err, action }, "press action failed");
    audit.record("press-action-failed", { action, error: (err as Error).message });
    controller.setIndicatorState({ firstBoot: accounts.status().state === "first-boot", fault: "store" });
  }
}
