// One base class for every long-lived adapter: children are registered once and disposed in
// reverse order, and anything registered after disposal is disposed at once (so a late async
// callback cannot leak a watcher or post to a dead webview).
import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private _isDisposed = false;
  private readonly _children: { dispose(): unknown }[] = [];

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends { dispose(): unknown }>(child: T): T {
    if (this._isDisposed) {
      child.dispose();
    } else {
      this._children.push(child);
    }
    return child;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    while (this._children.length) {
      try {
        this._children.pop()!.dispose();
      } catch {
        // one failing child must not keep the others alive
      }
    }
  }
}
