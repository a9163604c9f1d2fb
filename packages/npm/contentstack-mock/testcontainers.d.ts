import { AbstractStartedContainer, GenericContainer, StartedTestContainer } from 'testcontainers'
import type { Mock, Stack, StackOptions } from './index'

/** The image `ContentstackMockContainer` runs unless told otherwise. */
export const DEFAULT_IMAGE: string

/** contentstack-mock in a container: port 8484, ephemeral data, ready once `/_mock/health` answers. */
export class ContentstackMockContainer extends GenericContainer {
  constructor(image?: string)
  /** Sets `CSMOCK_ADMIN_TOKEN`; the kit sends it on `/_mock` calls. */
  withAdminToken(token: string): this
  start(): Promise<StartedContentstackMockContainer>
}

export class StartedContentstackMockContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer, adminToken?: string)
  /** The mock's base URL from this machine, e.g. `http://localhost:32768`. */
  getUrl(): string
  /** The host port mapped to 8484. */
  getPort(): number
  /** The kit's view of the mock. */
  readonly mock: Mock
  /** A fresh, isolated stack with a delivery token. */
  stack(options?: StackOptions): Promise<Stack>
}
