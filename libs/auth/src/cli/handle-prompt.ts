import { MessageFor, Question, QuestionSet } from 'nest-commander';
import { UserService } from '../users/user.service.js';

/** The name of the question set {@link HandleQuestions} registers. */
export const HANDLE_QUESTION_SET = 'portcullis-handle';

/**
 * The question `createsuperuser` asks on a terminal when no handle flag was given: the login handle,
 * by the name of the `usernameField` (`username:`, `email:`). List it with the commands among the CLI
 * module's providers; {@link AUTH_COMMANDS} does.
 */
@QuestionSet({ name: HANDLE_QUESTION_SET })
export class HandleQuestions {
  constructor(private readonly users: UserService<object>) {}

  /** The login handle, as typed. */
  @Question({ type: 'input', name: 'handle' })
  parseHandle(value: string): string {
    return value;
  }

  /** The prompt: the handle column's name. */
  @MessageFor({ name: 'handle' })
  handleMessage(): string {
    return `${this.users.usernameField}:`;
  }
}
